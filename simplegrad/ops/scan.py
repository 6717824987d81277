"""Scans along one dim: cumsum, cumprod and logcumsumexp. (cummax/cummin are composed in
tensor.py: their indices come from NumPy and their values are a gather.)

Each backward is a scan in the other direction: out_j depends on a_i for every i <= j, so
d loss / d a_i sums over j >= i, a reversed cumulative sum.
"""
import numpy as np

from simplegrad.autograd import Function
from simplegrad.ops.dims import dim as _dim
from simplegrad.ops.elementwise import floating


def _axis(a, dim):
    """`dim` checked against a; a 0-d array is scanned as one element."""
    return _dim(dim, a.ndim, "scan") if a.ndim else None


def _scan(ctx, accumulate, a, dim):
    """accumulate(a, axis) along dim, saving a and the result for backward."""
    ctx.axis = axis = _axis(a, dim)
    out = accumulate(a, axis) if axis is not None else a.copy()
    ctx.save_for_backward(a, out)
    return out


def reverse_cumsum(x, axis):
    """sum over j >= i of x_j, for every i along `axis`."""
    return np.flip(np.cumsum(np.flip(x, axis), axis), axis)


class CumSum(Function):
    """Running sum along `dim` (integers and booleans sum as int64, as PyTorch)."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.axis = axis = _axis(a, dim)
        if a.dtype.kind in "bu" or (a.dtype.kind == "i" and a.dtype.itemsize < 8):
            a = a.astype(np.int64)
        return np.cumsum(a, axis) if axis is not None else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return reverse_cumsum(grad, ctx.axis) if ctx.axis is not None else grad


class CumProd(Function):
    """Running product along `dim`. The gradient is exact with zeros in the input (the
    division out / a is used only when there are none)."""

    @staticmethod
    def forward(ctx, a, dim):
        return _scan(ctx, np.cumprod, a, dim)

    @staticmethod
    def backward(ctx, grad):
        (a, out), axis = ctx.saved_tensors, ctx.axis
        if axis is None:
            return grad
        if np.all(a != 0):
            return reverse_cumsum(grad * out, axis) / a
        # grad_i = (prod of a_k, k < i) * S_i with S_i = g_i + a_(i+1) * S_(i+1): no division
        g, x = np.moveaxis(grad, axis, 0), np.moveaxis(a, axis, 0)
        before = np.concatenate([np.ones_like(x[:1]), np.cumprod(x[:-1], axis=0)])
        total = np.empty(g.shape, dtype=np.result_type(g, x))
        running = np.zeros(g.shape[1:], dtype=total.dtype)
        for i in range(len(g) - 1, -1, -1):
            running = g[i] + (x[i + 1] * running if i + 1 < len(g) else 0)
            total[i] = running
        return np.moveaxis(before * total, 0, axis)


class LogCumSumExp(Function):
    """log(cumsum(exp(a))) along `dim`, as a running logaddexp: no overflow, no log(0) of the
    small early terms. The gradient, sum over j >= i of g_j exp(a_i - out_j), is computed the
    same way (positive and negative parts of g apart), so it never overflows either."""

    @staticmethod
    def forward(ctx, a, dim):
        return _scan(ctx, np.logaddexp.accumulate, floating(a), dim)

    @staticmethod
    def backward(ctx, grad):
        (a, out), axis = ctx.saved_tensors, ctx.axis
        if axis is None:
            return grad
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf is wanted
            parts = []
            for sign in (1, -1):
                terms = np.log(np.maximum(sign * grad, 0)) - out
                reversed_lse = np.flip(np.logaddexp.accumulate(np.flip(terms, axis), axis), axis)
                parts.append(np.exp(a + reversed_lse))
        return parts[0] - parts[1]
