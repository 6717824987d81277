"""Reductions over axes: sum, mean, max, min, var, logsumexp (NumPy's axis/keepdims names)."""
import math

import numpy as np

from simplegrad.autograd import Function
from simplegrad.ops.dims import dims
from simplegrad.ops.elementwise import floating


def _axes(axis, ndim):
    """Normalise axis (None, int, negative, tuple) to a sorted tuple of non-negative axes."""
    return dims(axis, ndim, "reduce")


def _expand(grad, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input of `shape`."""
    if keepdims or not axes:
        return grad
    return grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])


def peak(a, axes):
    """max(a) over `axes`, keeping them as size-1 axes; -inf where an axis is empty (the
    logsumexp of nothing, and a shift that leaves softmax's empty rows empty)."""
    if a.size == 0:
        dtype = a.dtype if a.dtype.kind == "f" else np.float64
        return np.full(np.sum(a, axis=axes, keepdims=True).shape, -np.inf, dtype=dtype)
    return np.max(a, axis=axes, keepdims=True)


class Sum(Function):
    """Sum over axes; the gradient is broadcast back over the summed axes."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, _axes(axis, a.ndim), keepdims
        return a.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        grad = _expand(grad, ctx.shape, ctx.axes, ctx.keepdims)
        return np.broadcast_to(grad, ctx.shape)  # a read-only view: no copy of the gradient


class Mean(Function):
    """Mean over axes; the gradient is broadcast back and divided by the count."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = a.shape, _axes(axis, a.ndim), keepdims
        ctx.count = math.prod([a.shape[i] for i in ctx.axes])
        out = a.mean(axis=ctx.axes, keepdims=keepdims)
        return out if out.dtype is a.dtype else out.astype(np.float32)  # integers: float32

    @staticmethod
    def backward(ctx, grad):
        grad = _expand(grad, ctx.shape, ctx.axes, ctx.keepdims) / ctx.count
        return np.broadcast_to(grad, ctx.shape)


def _extreme_forward(ctx, reduce, a, axis, keepdims):
    """Shared forward of max/min: keep the keepdims result to find the winners in backward."""
    ctx.axes, ctx.keepdims = _axes(axis, a.ndim), keepdims
    out = reduce(a, axis=ctx.axes, keepdims=True)
    ctx.save_for_backward(a, out)
    return out if keepdims else np.squeeze(out, axis=ctx.axes)


def _extreme_backward(ctx, grad):
    """Split the gradient evenly among the elements equal to the max/min (as torch.amax)."""
    a, out = ctx.saved_tensors
    mask = a == out
    count = mask.sum(axis=ctx.axes, keepdims=True).astype(grad.dtype)
    return mask * (_expand(grad, a.shape, ctx.axes, ctx.keepdims) / count)


class Max(Function):
    """Max over axes (ties share the gradient)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return _extreme_forward(ctx, np.max, a, axis, keepdims)

    backward = staticmethod(_extreme_backward)


class Min(Function):
    """Min over axes (ties share the gradient)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return _extreme_forward(ctx, np.min, a, axis, keepdims)

    backward = staticmethod(_extreme_backward)


class Var(Function):
    """Variance with `ddof` (0: population variance, NumPy's default), or with root=True the
    standard deviation. With no more elements than `ddof` the result is inf or NaN (divisor
    max(n - ddof, 0)); the gradient keeps the divisor n - ddof and, for the standard
    deviation, is 0 where it is 0, exactly as PyTorch computes them."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, ddof=0, root=False):
        a = floating(a)
        ctx.axes, ctx.keepdims = _axes(axis, a.ndim), keepdims
        count = math.prod([a.shape[i] for i in ctx.axes])
        ctx.divisor = count - ddof
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 over an empty axis
            total = a.sum(axis=ctx.axes, keepdims=True)
            centered = a - (total / count if count else total * np.nan)
            out = np.divide(np.sum(centered * centered, axis=ctx.axes, keepdims=keepdims),
                            max(ctx.divisor, 0))
        ctx.root = np.sqrt(out) if root else None
        ctx.save_for_backward(centered)
        return out if not root else ctx.root

    @staticmethod
    def backward(ctx, grad):
        centered, = ctx.saved_tensors
        if ctx.root is not None:  # d sqrt(v) = dv / (2 sqrt(v)), and 0 where sqrt(v) = 0
            with np.errstate(divide="ignore", invalid="ignore"):
                grad = np.where(ctx.root == 0, 0, grad / (2 * ctx.root))
        grad = _expand(grad, centered.shape, ctx.axes, ctx.keepdims)
        if ctx.divisor:
            return grad * centered * (2.0 / ctx.divisor)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * centered * 2.0 / ctx.divisor


class LogSumExp(Function):
    """log(sum(exp(a))), computed around the max so that large inputs do not overflow."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        a = floating(a)
        ctx.axes, ctx.keepdims = _axes(axis, a.ndim), keepdims
        top = peak(a, ctx.axes)
        top = np.where(np.isfinite(top), top, 0)
        with np.errstate(divide="ignore"):  # log(0) = -inf: an empty axis or all -inf
            out = np.log(np.sum(np.exp(a - top), axis=ctx.axes, keepdims=True)) + top
        ctx.save_for_backward(a, out)
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        grad = _expand(grad, a.shape, ctx.axes, ctx.keepdims)
        return grad * np.exp(a - out)


class Prod(Function):
    """Product over axes. Each element's gradient is the product of the others: out / a when
    no factor is 0, else computed from the nonzero factors (so zeros give exact gradients)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.axes, ctx.keepdims = _axes(axis, a.ndim), keepdims
        out = np.prod(a, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(a, out)
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        grad = _expand(grad, a.shape, ctx.axes, ctx.keepdims)
        zero = a == 0
        if not zero.any():
            return grad * (out / a)
        zeros = zero.sum(axis=ctx.axes, keepdims=True)
        others = np.prod(np.where(zero, 1, a), axis=ctx.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            product_of_others = np.where(zero, np.where(zeros == 1, others, 0),
                                         np.where(zeros == 0, out / a, 0))
        return grad * product_of_others


class Norm(Function):
    """The vector p-norm over axes (torch.linalg.vector_norm): (sum |a|^p)^(1/p); p = inf is
    max |a|, -inf min |a|, 0 the count of nonzeros. At a zero norm the gradient is 0, as in
    PyTorch (the formula would divide by 0); max/min ties share it."""

    @staticmethod
    def forward(ctx, a, p=2, axis=None, keepdims=False):
        a = floating(a)
        ctx.axes, ctx.keepdims, ctx.p = _axes(axis, a.ndim), keepdims, p
        size, axes = np.abs(a), ctx.axes
        if p == np.inf or p == -np.inf:
            out = peak(size if p > 0 else -size, axes) * (1 if p > 0 else -1)
        elif p == 0:
            out = np.sum(size != 0, axis=axes, keepdims=True).astype(a.dtype)
        elif p == 1:
            out = np.sum(size, axis=axes, keepdims=True)
        elif p == 2:
            out = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
        else:
            out = np.sum(size ** p, axis=axes, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(a, out)
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        grad, p = _expand(grad, a.shape, ctx.axes, ctx.keepdims), ctx.p
        if p == 0:
            return np.zeros_like(a)
        if p == 1:
            return grad * np.sign(a)
        if p == np.inf or p == -np.inf:
            tied = np.abs(a) == out
            count = tied.sum(axis=ctx.axes, keepdims=True)
            return grad * np.sign(a) * tied / count
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = a / out if p == 2 else np.sign(a) * (np.abs(a) / out) ** (p - 1)
        return grad * np.where(out == 0, 0, scale)
