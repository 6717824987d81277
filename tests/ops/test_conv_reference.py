"""The plain-loops conv2d_reference agrees with the fast im2col conv2d (values and gradients),
and is itself right by finite differences: so the fast one can be read against it."""
import numpy as np
import pytest

from simplegrad import Tensor, gradcheck
from simplegrad.ops.conv import conv2d
from simplegrad.ops.conv_reference import conv2d_reference

CASES = [  # (x shape, weight shape, stride, padding)
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 0),
    ((1, 2, 6, 5), (3, 2, 3, 2), 2, 1),
    ((2, 1, 4, 4), (2, 1, 1, 1), 1, 0),
    ((1, 2, 7, 6), (2, 2, 3, 3), (2, 3), (1, 2)),
    ((2, 2, 5, 6), (3, 2, 3, 2), 1, (1, 2)),
    ((1, 1, 4, 5), (2, 1, 4, 5), 1, 0),  # the kernel covers the whole input
    ((1, 2, 5, 5), (2, 2, 2, 2), 3, 0),  # stride larger than the kernel: pixels skipped
]


def _values_and_grads(conv, x, w, b, stride, padding):
    tensors = [Tensor(a, requires_grad=True, dtype=a.dtype) for a in (x, w, b) if a is not None]
    out = conv(*tensors[:2], tensors[2] if b is not None else None, stride, padding)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    return [out.data] + [t.grad for t in tensors]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, stride, padding", CASES)
def test_reference_equals_the_fast_conv(xs, ws, stride, padding, bias, rng):
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[0]) if bias else None
    fast = _values_and_grads(conv2d, x, w, b, stride, padding)
    slow = _values_and_grads(conv2d_reference, x, w, b, stride, padding)
    assert len(fast) == len(slow) == (4 if bias else 3)
    for ours, reference in zip(fast, slow):
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


def test_reference_keeps_float32():
    x = Tensor(np.ones((1, 1, 3, 3), np.float32), requires_grad=True)
    w = Tensor(np.ones((1, 1, 2, 2), np.float32), requires_grad=True)
    out = conv2d_reference(x, w)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == w.grad.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.full((1, 1, 2, 2), 4.0))
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize("xs, ws, stride, padding", [CASES[1], CASES[3]])
def test_reference_matches_finite_differences(xs, ws, stride, padding, rng):
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    result = gradcheck(lambda x, w, b: conv2d_reference(x, w, b, stride, padding), [x, w, b])
    assert result, result.summary()
