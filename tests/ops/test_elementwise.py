"""Elementwise ops: gradients against finite differences (float64) and PyTorch."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor
from simplegrad.testing import draw, op_cases

CASES = {case.name: case for case in op_cases()}
UNARY_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 4), ())]
UNARY = ["neg", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "leaky_relu", "gelu",
         "gelu_tanh", "pow", "pow_int", "rpow", "scalar_ops"]
BINARY = ["add", "sub", "mul", "div", "pow_tensor"]


@pytest.mark.parametrize("shape", UNARY_SHAPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients_at_every_rank(name, shape, check_case):
    case = CASES[name]
    check_case(case, [draw(case.domain, shape)])


@pytest.mark.parametrize("shapes", BINARY_SHAPES)
@pytest.mark.parametrize("name", BINARY + ["maximum", "minimum"])
def test_binary_gradients_with_broadcasting(name, shapes, check_case):
    case = CASES[name]
    domain = "away" if name in ("maximum", "minimum") else case.domain
    a, b = draw(domain, shapes[0], 1), draw(domain, shapes[1], 2)
    if name in ("maximum", "minimum"):  # no ties within reach of the finite-difference step
        b = b + 0.05 * np.sign(b)
    check_case(case, [a, b])


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


def test_relu_passes_the_gradient_of_a_nan_like_torch():
    """A NaN input gives a NaN output, so its gradient goes through (PyTorch's convention)."""
    x = np.array([np.nan, -0.0, 0.0, -1.0, 2.0])
    ours = Tensor(x, requires_grad=True)
    ours.relu().backward(np.full(5, 3.0))
    np.testing.assert_array_equal(ours.grad, [3.0, 0.0, 0.0, 0.0, 3.0])
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(x, requires_grad=True)
    torch.relu(theirs).backward(torch.full((5,), 3.0, dtype=torch.float64))
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


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


