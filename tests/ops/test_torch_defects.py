"""The defects found against PyTorch: places where simplegrad gave a PyTorch-wrong value,
gradient, dtype or error. Each test states PyTorch's answer and checks it against PyTorch itself
where installed."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor
from simplegrad.nn import functional as F


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _grads(fn, *arrays):
    """fn's value and the gradients of sum(fn(...)) w.r.t. every float64 input."""
    leaves = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*leaves)
    out.sum().backward()
    return out.data, [leaf.grad for leaf in leaves]


def _torch_grads(fn, *arrays):
    torch = _torch()
    if torch is None:
        return None
    leaves = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*leaves)
    out.sum().backward()
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


def _same_as_torch(fn, *arrays, expected_grads, torch_fn=None):
    with np.errstate(all="ignore"):
        value, grads = _grads(fn, *arrays)
    for got, want in zip(grads, expected_grads):
        np.testing.assert_array_equal(got, want)
    reference = _torch_grads(torch_fn or fn, *arrays)
    if reference is not None:
        np.testing.assert_array_equal(value, reference[0])
        for got, want in zip(grads, reference[1]):
            np.testing.assert_array_equal(got, want)


def test_pow_zero_exponent_has_zero_gradient_at_zero():
    _same_as_torch(lambda x: x ** 0, [0.0, 2.0], expected_grads=[[0.0, 0.0]])
    _same_as_torch(lambda x: x ** 0.0, [0.0, -1.0], expected_grads=[[0.0, 0.0]])


def test_pow_of_zero_base_has_minus_inf_exponent_gradient_for_negative_exponents():
    # d/de 0**e = 0**e * log(0): -inf * inf for e < 0, 0 for e > 0 (PyTorch's masked form)
    base = np.zeros(3)
    _same_as_torch(lambda b, e: b ** e, base, [-1.0, -2.0, 2.0],
                   expected_grads=[[-np.inf, -np.inf, 0.0], [-np.inf, -np.inf, 0.0]])


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch warns of n <= ddof
@pytest.mark.parametrize("shape, ddof", [((1,), 1), ((2,), 2), ((2, 3), 3), ((0,), 0)])
def test_var_with_too_few_elements_is_inf_or_nan_like_torch(shape, ddof):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    ours = Tensor(x, requires_grad=True, dtype=np.float64)
    with np.errstate(all="ignore"):
        out = ours.var(axis=0, ddof=ddof)
        out.sum().backward()
    assert np.all(np.isnan(out.data) | np.isposinf(out.data))
    torch = _torch()
    if torch is not None:
        theirs = torch.tensor(x, requires_grad=True)
        ref = theirs.var(dim=0, correction=ddof)
        ref.sum().backward()
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_reductions_of_a_0d_tensor_along_dim_0_or_minus_1_return_the_value():
    for dim in (0, -1, (0,), (-1,)):
        for reduce in ("sum", "mean", "max", "min", "logsumexp", "var"):
            x = Tensor(3.0, requires_grad=True)
            out = getattr(x, reduce)(axis=dim)
            out.backward()
            assert out.shape == () and x.grad.shape == ()
    assert float(Tensor(3.0).sum(dim=0)) == 3.0 and float(Tensor(3.0).mean(dim=-1)) == 3.0
    assert Tensor(2.0).sum(0, keepdims=True).shape == ()  # PyTorch: keepdim keeps 0-d
    with pytest.raises(IndexError):
        Tensor(3.0).sum(axis=1)


def test_flatten_of_a_0d_tensor_and_of_size_0_dims():
    assert F.flatten(Tensor(3.0)).shape == (1,)
    assert Tensor(3.0).flatten().shape == (1,)
    assert F.flatten(Tensor(np.zeros((2, 0, 3)))).shape == (2, 0)
    assert Tensor(np.zeros((0, 4))).flatten(1).shape == (0, 4)


def test_squeeze_of_a_dim_that_is_not_size_1_is_a_no_op():
    x = Tensor(np.ones((2, 1, 3)))
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze(1).shape == (2, 3)
    assert x.squeeze(dim=(0, 1)).shape == (2, 3)
    assert Tensor(3.0).squeeze(0).shape == () and Tensor(3.0).squeeze(-1).shape == ()
    with pytest.raises(IndexError):
        x.squeeze(3)


def test_clip_with_no_bounds_is_an_error():
    with pytest.raises(ValueError, match="at least one of"):
        Tensor([1.0]).clip(None, None)
    with pytest.raises(ValueError, match="at least one of"):
        Tensor([1.0]).clamp()


def test_mixed_integer_and_array_indexing_follows_torch_axis_order():
    x = np.arange(24.0).reshape(2, 3, 4)
    idx = np.array([0, 3])
    ours = Tensor(x)
    assert ours[0, :, idx].shape == (3, 2)  # NumPy would give (2, 3)
    np.testing.assert_array_equal(ours[0, :, idx].data, x[0][:, idx])
    np.testing.assert_array_equal(ours[:, 1, idx].data, x[:, 1][:, idx])
    np.testing.assert_array_equal(ours[idx[:1], :, 0].data, x[:, :, 0][idx[:1]])
    torch = _torch()
    if torch is not None:
        t = torch.tensor(x)
        for index in [(0, slice(None), idx), (slice(None), 1, idx), (idx[:1], slice(None), 0),
                      (1, idx[:1], slice(None), ), (Ellipsis, 2, idx[:1])]:
            theirs = t[tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i
                             for i in index)]
            np.testing.assert_array_equal(ours[index].data, theirs.numpy())


def test_mixed_indexing_gradient_and_write_follow_torch_axis_order():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    idx = np.array([1, 1, 2])
    weights = np.arange(9.0).reshape(3, 3)
    (x[1, :, idx] * weights).sum().backward()
    expected = np.zeros((2, 3, 4))
    np.add.at(expected[1], (slice(None), idx), weights)
    np.testing.assert_array_equal(x.grad, expected)
    y = Tensor(np.zeros((2, 3, 4)))
    y[0, :, np.array([0, 2])] = np.array([[1.0, 2.0]] * 3)  # PyTorch's (3, 2) value shape
    np.testing.assert_array_equal(y.data[0, :, [0, 2]], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


@pytest.mark.parametrize("make", [
    lambda i: i + 0.5, lambda i: 0.5 * i, lambda i: i / i, lambda i: i / 2, lambda i: i.exp(),
    lambda i: i.log(), lambda i: i.sqrt(), lambda i: i.sigmoid(), lambda i: i.tanh(),
    lambda i: i ** 0.5, lambda i: 2.0 ** i, lambda i: i * Tensor([1.0, 2.0]),
    lambda i: Tensor([1.0, 2.0]) - i, lambda i: i.maximum(Tensor([1.5, 1.5])),
    lambda i: sg.where(np.array([True, False]), i, 0.5), lambda i: i.mean(),
    lambda i: i.softmax(), lambda i: i @ Tensor([1.0, 2.0]),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_tensors_promote_to_float32_like_torch(make, dtype):
    assert make(Tensor(np.array([1, 2]).astype(dtype))).dtype == np.float32


def test_integer_promotion_keeps_float64_and_integer_results():
    i = Tensor(np.array([1, 2]))
    assert (i + Tensor(np.ones(2), dtype=np.float64)).dtype == np.float64
    assert (i + 1).dtype == np.int64 and (i * i).dtype == np.int64
    assert (Tensor(np.array([1, 2], dtype=np.int32)) + 1).dtype == np.int32
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = i * x + 0.5
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_negative_integer_power_of_an_integer_tensor_says_so():
    with pytest.raises(ValueError, match="^pow: integers to negative integer powers") as caught:
        Tensor(np.array([1, 2])) ** -2
    assert "broadcast" not in str(caught.value)
    assert (Tensor(np.array([1, 2])) ** -2.0).dtype == np.float32  # a float exponent is fine


@pytest.mark.parametrize("run", [
    lambda: sg.stack([Tensor([1.0])], axis=77), lambda: sg.cat([Tensor([1.0])], dim=-3),
    lambda: Tensor([1.0]).sum(axis=5), lambda: Tensor(np.ones((2, 3))).softmax(dim=2),
    lambda: Tensor(np.ones((2, 3))).unsqueeze(4), lambda: Tensor(np.ones((2, 3))).transpose(0, 2),
    lambda: Tensor(np.ones((2, 3))).argmax(dim=2), lambda: Tensor(np.ones(3)).log_softmax(dim=1),
])
def test_out_of_range_dims_are_index_errors_not_broadcast_messages(run):
    with pytest.raises(IndexError, match="out of") as caught:
        run()
    assert "broadcast" not in str(caught.value)
    assert isinstance(caught.value, ValueError)  # NumPy's AxisError is both
