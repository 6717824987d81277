"""matmul in every NumPy form, and the fused linear op."""
import numpy as np
import pytest

from simplegrad import Tensor
from simplegrad.ops.linalg import linear

MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_gradients(shapes, rng, check_op):
    a, b = (rng.standard_normal(s) for s in shapes)
    check_op(lambda x, y: x @ y, [a, b], lambda x, y: x @ y)


def test_dot_and_reflected_matmul(rng, check_op):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    check_op(lambda x, y: x.dot(y), [a, b], lambda x, y: x @ y)
    out = a @ Tensor(b)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, (a @ b).astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("x_shape", [(5, 3), (2, 5, 3), (3,)])
def test_linear_matches_matmul_plus_bias(x_shape, rng, check_op):
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((3, 4)), rng.standard_normal(4)
    check_op(linear, [x, w, b], lambda x, w, b: x @ w + b)
    check_op(linear, [x, w], lambda x, w: x @ w)


def test_linear_skips_gradients_nobody_needs(rng):
    x = Tensor(rng.standard_normal((5, 3)))  # data: needs no gradient
    w = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    linear(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 4)
