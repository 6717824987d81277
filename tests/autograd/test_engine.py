"""The backward engine: ordering, accumulation, graph release, grad mode, in-place checks."""
import gc
import re
import weakref

import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor, no_grad
from simplegrad.autograd import Function


def test_100k_op_chain_backward_is_iterative():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    del y  # dropping a 200k-node graph must not blow the C stack either


def test_diamond_accumulates_both_paths():
    x = Tensor(3.0, requires_grad=True)
    a = x * 2
    b = a * a + a.exp() + a  # a is used three times
    b.backward()
    expected = 2 * (2 * 6.0 + np.exp(6.0) + 1)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-6)


def test_same_tensor_twice_in_one_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])


def test_leaves_accumulate_across_backward_calls_and_intermediates_keep_none():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * 1).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    assert h.grad is None
    x.zero_grad()
    assert x.grad is None


def test_gradients_are_never_shared_between_leaves():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10
    assert b.grad[0] == 1.0


def test_graph_released_after_backward_unless_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_saved_arrays_are_freed_by_backward():
    x = Tensor(np.ones(1000), requires_grad=True)
    h = x * 2
    saved = weakref.ref(h.data)
    loss = (h * h).sum()  # the Mul node keeps h's array for backward
    del h
    gc.collect()
    assert saved() is not None
    loss.backward()
    gc.collect()
    assert saved() is None  # freed although `loss` is still alive


def test_retain_graph_keeps_saved_arrays():
    x = Tensor(np.ones(10), requires_grad=True)
    h = x * 2
    saved = weakref.ref(h.data)
    loss = (h * h).sum()
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert saved() is not None


def test_backward_with_explicit_seed_and_shape_check():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    with pytest.raises(ValueError, match="shape"):
        (x * 3).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


def test_backward_on_a_leaf_sets_its_own_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


@pytest.mark.parametrize("shape", [(2,), (2, 3), (0,)])
def test_backward_without_a_gradient_needs_one_element_as_pytorch(shape):
    x = Tensor(np.ones(shape), requires_grad=True)
    with pytest.raises(RuntimeError, match="needs a tensor of one element"):
        (x * 2).backward()
    (x * 2).sum().backward()  # a loss: fine
    one = Tensor(np.ones((1, 1)), requires_grad=True)
    (one * 3).backward()  # one element, any shape: PyTorch seeds it too
    assert one.grad.shape == (1, 1) and one.grad[0, 0] == 3.0


def test_no_grad_builds_no_graph_and_restores_mode():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2
        assert not sg.is_grad_enabled()
    assert sg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad

    @no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    with no_grad():
        with sg.enable_grad():
            assert (x * 2).requires_grad


def test_inputs_that_need_no_grad_get_none_and_no_work():
    calls = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            calls.append(ctx.needs_input_grad)
            return None, grad

    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0], requires_grad=True)
    Spy.apply(a, b).sum().backward()
    assert calls == [(False, True)] and a.grad is None
    assert b.grad is not None


def test_unbroadcasting_sums_back_to_input_shapes():
    a = Tensor(np.ones((2, 1, 3)), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(2.0, requires_grad=True)
    ((a + b) * c).sum().backward()
    assert a.grad.shape == (2, 1, 3) and b.grad.shape == (3,) and c.grad.shape == ()
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])
    assert c.grad == 6.0 * 2


def test_inplace_write_to_a_saved_tensor_is_caught_at_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h  # Mul saves h
    h[0] = 5.0  # the write itself is fine
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_write_through_a_view_is_caught():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    v = h.reshape(2, 1)
    y = v.sigmoid() * v
    h[1] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_write_to_a_leaf_saved_for_backward_is_caught():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_write_that_nobody_saved_is_fine():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h.exp()  # exp saves its output, not h
    h[0] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp([2.0, 4.0]), rtol=1e-6)


def test_custom_function_on_the_same_mechanism(check_op):
    class Cube(Function):
        @staticmethod
        def forward(ctx, a, scale=1.0):
            ctx.save_for_backward(a)
            ctx.scale = scale
            return scale * a ** 3

        @staticmethod
        def backward(ctx, grad):
            a, = ctx.saved_tensors
            return grad * 3 * ctx.scale * a ** 2

    x = Tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x, scale=2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 24.0])
    check_op(lambda t: Cube.apply(t, scale=0.5), [np.array([0.3, -1.2, 2.0])])


def test_requires_grad_rules():
    assert Tensor([1.0]).requires_grad_().requires_grad
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.array([1, 2]), requires_grad=True)
    x = Tensor([1.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    with pytest.raises(RuntimeError):
        (x * 2).requires_grad_(False)


def test_float32_gradients_stay_float32():
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    w = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    (x @ w).softmax().log().mean().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


# ---- a 0-d leaf's gradient is an ndarray, whatever the op broadcast it through
ZERO_D_CASES = {
    "add": lambda s, v: s + v, "radd": lambda s, v: v + s, "sub": lambda s, v: v - s,
    "mul": lambda s, v: s * v, "div": lambda s, v: v / s, "rdiv": lambda s, v: s / v,
    "maximum": lambda s, v: v.maximum(s), "minimum": lambda s, v: s.minimum(v),
    "pow_exponent": lambda s, v: v ** s, "pow_base": lambda s, v: s ** (v * 0 + 2.0),
    "square": lambda s, v: s * s, "sum_of_itself": lambda s, v: s.sum(),
}


@pytest.mark.parametrize("name", ZERO_D_CASES)
def test_zero_d_leaf_grad_is_an_ndarray(name):
    s = Tensor(2.0, requires_grad=True)
    v = Tensor(np.array([1.0, 1.5, 3.0, 0.5, 2.5]))
    for _ in range(2):  # the first gradient, then an accumulated one
        ZERO_D_CASES[name](s, v).sum().backward()
        assert type(s.grad) is np.ndarray and s.grad.shape == () and s.grad.dtype == np.float32


def test_a_shared_node_used_by_a_broadcasting_op_is_not_counted_twice():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, dtype=np.float64)
    h = x * 2  # a shared bias, a scale, an embedding...
    (h.sum() + (h + np.ones((2, 3))).sum()).backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0, 6.0])  # PyTorch: 2 * (1 + 2)


def test_a_written_zero_d_node_with_two_consumers():
    x = Tensor(np.array(0.5), requires_grad=True, dtype=np.float64)
    h = x * 1.0
    h[()] = x * 3.0
    (h * h).backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == ()
    assert x.grad == 9.0  # d(9 x^2)/dx at 0.5, as PyTorch


class _Doubler(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * 2 + b

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, grad


def _custom(backward):
    return type("Broken", (_Doubler,), {"backward": staticmethod(backward)})


@pytest.mark.parametrize("backward, words", [
    (lambda ctx, g: g * 2, "returned 1 gradient(s), expected 2"),
    (lambda ctx, g: (g, g, g), "returned 3 gradient(s), expected 2"),
    (lambda ctx, g: (g[:1], g),
     "returned a gradient of shape (1,) for input 0, whose shape is (3,)"),
    (lambda ctx, g: (np.ones((3, 2)), g), "returned a gradient of shape (3, 2) for input 0"),
])
def test_a_custom_backward_with_wrong_count_or_shape_is_named(backward, words):
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape("Broken.backward " + words)):
        _custom(backward).apply(a, b).sum().backward()


def test_a_custom_backward_may_return_trailing_nones_and_broadcast_gradients():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    _custom(lambda ctx, g: (g * 2, g, None)).apply(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])  # (2, 3) summed back to (3,)


def test_gradcheck_reports_a_wrong_shape_instead_of_crashing():
    broken = _custom(lambda ctx, g: (g[:1], g))
    with pytest.raises(RuntimeError, match="Broken.backward returned a gradient of shape"):
        sg.gradcheck(lambda a, b: broken.apply(a, b), [np.ones(3), np.ones(3)])


def test_a_custom_backward_cannot_write_into_the_shared_upstream_gradient():
    class ScaleInPlace(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            grad *= 10  # would corrupt the other branch that shares this array
            return grad

    x = Tensor(np.ones(2), requires_grad=True)
    y = x + 0.0  # Add hands one array to both consumers below
    out = ScaleInPlace.apply(y) + y
    with pytest.raises(ValueError, match="read-only"):
        out.sum().backward()


def test_an_op_gets_a_readable_error_for_an_operand_it_cannot_use():
    x = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="add: cannot use str 'a' as an operand"):
        x + "a"
    with pytest.raises(TypeError, match="mul: cannot use str"):
        "a" * x
    with pytest.raises(ValueError, match="matmul: both operands need at least one axis"):
        x @ Tensor(2.0)


def _all_op_classes(cls=Function):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_op_classes(sub)


def test_built_in_ops_never_write_into_their_upstream_gradient(monkeypatch):
    """The engine hands only custom ops a read-only gradient, trusting its own: check the trust
    by making every op's gradient read-only and running every case of the op table."""
    from simplegrad.testing import op_cases
    for cls in _all_op_classes():
        if cls.built_in:
            monkeypatch.setattr(cls, "built_in", False)
    for case in op_cases():
        leaves = [Tensor(a, requires_grad=True, dtype=np.float64) if a.dtype.kind == "f"
                  else Tensor(a) for a in map(np.asarray, case.inputs)]
        out = case.fn(*leaves)
        (out * np.ones(out.shape)).sum().backward()  # raises "read-only" if one writes
        assert any(leaf.grad is not None for leaf in leaves), case.name
