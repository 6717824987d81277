"""Reductions: every axis form (None, int, negative, tuple) with and without keepdims."""
import numpy as np
import pytest

from simplegrad import Tensor

AXES = [None, 0, -1, (0, 2), (-1, 1)]


def _torch_dims(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return axis if isinstance(axis, tuple) else (axis,)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var"])
def test_reduction_gradients(name, axis, keepdims, rng, check_op):
    x = rng.standard_normal((2, 3, 4))

    def ours(t):
        return getattr(t, name)(axis=axis, keepdims=keepdims)

    def theirs(t):
        dims = _torch_dims(axis, 3)
        if name in ("max", "min"):
            return getattr(t, "a" + name)(dim=dims, keepdim=keepdims)
        if name == "var":
            return t.var(dim=dims, keepdim=keepdims, correction=0)
        return getattr(t, name)(dim=dims, keepdim=keepdims)

    check_op(ours, [x], theirs)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var"])
def test_reductions_of_0d_and_1d(name, rng, check_op):
    check_op(lambda t: getattr(t, name)(), [np.array(1.5)])
    check_op(lambda t: getattr(t, name)(axis=0), [rng.standard_normal(5)])


def test_mean_is_a_real_0d_array():
    m = Tensor([1.0, 2.0, 3.0]).mean()
    assert isinstance(m.data, np.ndarray) and m.shape == () and m.dtype == np.float32


def test_var_with_ddof_matches_numpy(rng, check_op):
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(Tensor(x, dtype=np.float64).var(axis=1, ddof=1).data,
                               x.var(axis=1, ddof=1))
    check_op(lambda t: t.var(axis=1, ddof=1), [x],
             lambda t: t.var(dim=1, correction=1))


def test_max_ties_share_gradient_evenly():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_logsumexp_is_stable():
    x = Tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float64, requires_grad=True)
    out = x.logsumexp(axis=1)
    np.testing.assert_allclose(out.data, [1000 + np.log(2), -1000 + np.log(2)])
    out.sum().backward()
    np.testing.assert_allclose(x.grad, 0.5)


def test_argmax_argmin_are_plain_indices():
    x = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=1).data, [0, 1])
    assert x.argmax().data == 3 and not x.argmax().requires_grad
