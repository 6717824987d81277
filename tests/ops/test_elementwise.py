"""Elementwise ops: gradients against finite differences (float64) and PyTorch."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor

UNARY_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 4), ())]


def away_from_zero(rng, shape, low=0.2, high=2.0):
    """Random values with |x| in [low, high]: no kinks or poles within the finite-difference step."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


UNARY = {
    "neg": (lambda x: -x, lambda t: -t, None),
    "exp": (lambda x: x.exp(), lambda t: t.exp(), None),
    "log": (lambda x: x.log(), lambda t: t.log(), "positive"),
    "sqrt": (lambda x: x.sqrt(), lambda t: t.sqrt(), "positive"),
    "abs": (lambda x: x.abs(), lambda t: t.abs(), None),
    "relu": (lambda x: x.relu(), lambda t: t.relu(), None),
    "sigmoid": (lambda x: x.sigmoid(), lambda t: t.sigmoid(), None),
    "tanh": (lambda x: x.tanh(), lambda t: t.tanh(), None),
    "leaky_relu": (lambda x: x.leaky_relu(0.1),
                   lambda t: __import__("torch").nn.functional.leaky_relu(t, 0.1), None),
    "gelu": (lambda x: x.gelu(), lambda t: __import__("torch").nn.functional.gelu(t), None),
    "gelu_tanh": (lambda x: x.gelu(approximate="tanh"),
                  lambda t: __import__("torch").nn.functional.gelu(t, approximate="tanh"), None),
    "clip": (lambda x: x.clip(-1.0, 1.5), lambda t: t.clamp(-1.0, 1.5), None),
    "pow_const": (lambda x: x ** 3, lambda t: t ** 3, None),
    "pow_frac": (lambda x: x ** 0.5, lambda t: t ** 0.5, "positive"),
    "rpow": (lambda x: 2.0 ** x, lambda t: 2.0 ** t, None),
    "scalar_ops": (lambda x: (3.0 - x) / 2.0 + 1.0 * x - 4.0 / (x + 5.0),
                   lambda t: (3.0 - t) / 2.0 + 1.0 * t - 4.0 / (t + 5.0), "positive"),
}

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, None),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, None),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, None),
    "div": (lambda a, b: a / b, lambda a, b: a / b, None),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, "positive"),
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: __import__("torch").maximum(a, b), None),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: __import__("torch").minimum(a, b), None),
}


def _inputs(rng, shape, domain):
    x = away_from_zero(rng, shape)
    return np.abs(x) if domain == "positive" else x


@pytest.mark.parametrize("shape", UNARY_SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients(name, shape, rng, check_op):
    fn, torch_fn, domain = UNARY[name]
    x = _inputs(rng, shape, domain)
    if name == "clip":  # keep away from the clip edges
        x = np.where(np.abs(x + 1.0) < 0.05, x + 0.1, x)
        x = np.where(np.abs(x - 1.5) < 0.05, x - 0.1, x)
    check_op(fn, [x], torch_fn)


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_with_broadcasting(name, shapes, rng, check_op):
    fn, torch_fn, domain = BINARY[name]
    a, b = (_inputs(rng, s, domain) for s in shapes)
    check_op(fn, [a, b], torch_fn)


def test_where_gradients(rng, check_op):
    cond = rng.random((3, 4)) > 0.5
    check_op(lambda a, b: sg.where(cond, a, b), [rng.standard_normal((3, 4)),
                                                 rng.standard_normal((4,))],
             lambda a, b: __import__("torch").where(__import__("torch").tensor(cond), a, b))


def test_ties_split_the_gradient_like_torch():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([1.0, 5.0, 0.0], requires_grad=True)
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


def test_relu_and_abs_at_zero_match_torch_conventions():
    x = Tensor([0.0, -1.0, 2.0], requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, -1.0, 2.0])


def test_stable_for_large_inputs():
    x = Tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float64, requires_grad=True)
    s = x.sigmoid()
    np.testing.assert_allclose(s.data, [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0])
    s.sum().backward()
    assert np.all(np.isfinite(x.grad))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        Tensor([-1000.0, 1000.0]).sigmoid()


def test_comparisons_are_not_differentiable():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (a < 2, a <= 2, a > 2, a >= 2, a == 2, a != 2, 2 < a):
        assert result.dtype == np.bool_ and not result.requires_grad
    np.testing.assert_array_equal((a > 1.5).data, [False, True, True])


def test_reflected_operators_and_numpy_operands():
    a = Tensor([1.0, 2.0], requires_grad=True)
    out = 1.0 + a, 1.0 - a, 2.0 * a, 2.0 / a, np.array([1.0, 1.0], np.float32) + a
    np.testing.assert_allclose(out[0].data, [2, 3])
    np.testing.assert_allclose(out[1].data, [0, -1])
    np.testing.assert_allclose(out[3].data, [2, 1])
    assert isinstance(out[4], Tensor) and out[4].requires_grad


def test_float32_stays_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    ops = [x + 1.5, x * np.float64(2.0), x / 3, x ** 2, 2 ** x, x.exp(), x.gelu(), x.sigmoid(),
           x.maximum(0.5), x.clip(0, 1), sg.where(x > 0, x, 0.0), x.leaky_relu()]
    for y in ops:
        assert y.dtype == np.float32, y
    sum(op.sum() for op in ops).backward()
    assert x.grad.dtype == np.float32


def test_no_hidden_epsilon_in_division_and_log():
    x = Tensor([1.0, 0.0])
    with np.errstate(divide="ignore"):
        assert np.isinf((Tensor([1.0, 1.0]) / x).data[1])
        assert np.isneginf(x.log().data[1])


def test_gelu_erf_is_accurate():
    import math
    from simplegrad.ops.elementwise import erf
    xs = np.linspace(-8, 8, 2001)
    expected = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(erf(xs), expected, rtol=0, atol=0)
