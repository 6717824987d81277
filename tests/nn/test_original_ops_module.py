"""`from simplegrad.Ops import Sigmoid, Relu, Softmax`, as the original simplegrad's unit tests
do: their NumPy-level `_forward` functions, checked the way those tests check them (numeric
gradients of `_forward` against backward)."""
import importlib

import numpy as np

from simplegrad import Tensor


def _numeric(fn, x, eps=1e-6):
    """d sum(fn(x)) / dx by central differences (the original's `get_numeric`)."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (fn(up).sum() - fn(down).sum()) / (2 * eps)
    return grad


def test_the_original_ops_module_path_works():
    from simplegrad.Ops import Relu, Sigmoid, Softmax
    x = np.random.default_rng(0).standard_normal((4, 3))
    for op, method in ((Relu, "relu"), (Sigmoid, "sigmoid")):
        t = Tensor(x, requires_grad=True, dtype=np.float64)
        getattr(t, method)().sum().backward()
        np.testing.assert_allclose(_numeric(op._forward, x), t.grad, atol=1e-5)
    for axis, temperature in ((1, 1.0), (0, 1.0), (1, 2.0), (1, 0.5)):
        probs = Softmax._forward(x, axis=axis, temperature=temperature)
        np.testing.assert_allclose(probs.sum(axis=axis), 1.0)
        t = Tensor(x, requires_grad=True, dtype=np.float64)
        t.softmax(axis=axis, temperature=temperature).backward(np.arange(12.0).reshape(4, 3))
        numeric = _numeric(lambda v: Softmax._forward(v, axis, temperature)
                           * np.arange(12.0).reshape(4, 3), x)
        np.testing.assert_allclose(numeric, t.grad, atol=1e-5)
    assert np.all(np.isfinite(Softmax._forward(x * 1000, axis=1)))  # stable
    assert importlib.import_module("simplegrad.Ops").Relu is Relu
