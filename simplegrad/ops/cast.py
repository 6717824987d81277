"""Ops that change how data is held, not its values: a dtype cast, a copy, and `expand` (a
broadcast view). Each keeps the graph: a cast's gradient is cast back to the input's dtype."""
import numpy as np

from simplegrad.autograd import Function


class Cast(Function):
    """a as `dtype` (a new array; `copy` also copies when the dtype is the same, as clone())."""

    @staticmethod
    def forward(ctx, a, dtype, copy=False):
        ctx.dtype = a.dtype
        return a.astype(dtype, copy=copy)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype, copy=False) if grad.dtype != ctx.dtype else grad


class Expand(Function):
    """a broadcast to `shape` as a read-only view (no copy, as torch.expand); the engine sums
    the gradient back over the broadcast axes."""
    shape_error = "expand: shape {0} cannot be expanded to {shape}"

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad
