"""Activations that composition would get wrong at an edge: ELU's family needs expm1 and no
overflow in its unused branch, hardtanh passes no gradient at its bounds (as PyTorch, unlike
clip), logsigmoid keeps the relative precision of its tiny gradients."""
import numpy as np

from simplegrad.autograd import Function


class ELU(Function):
    """scale * x for x > 0, else scale * alpha * (exp(x * input_scale) - 1): elu, selu (fixed
    alpha and scale) and celu (input_scale = 1 / alpha) in one op, as PyTorch computes them."""

    @staticmethod
    def forward(ctx, a, alpha=1.0, scale=1.0, input_scale=1.0):
        ctx.save_for_backward(a)
        ctx.constants = (alpha, scale, input_scale)
        negative = np.expm1(np.minimum(a, 0) * input_scale) * (alpha * scale)
        return np.where(a > 0, a * scale, negative)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        alpha, scale, input_scale = ctx.constants
        slope = np.exp(np.minimum(a, 0) * input_scale) * (alpha * scale * input_scale)
        return grad * np.where(a > 0, scale, slope)


class Hardtanh(Function):
    """Clip to the numbers [lo, hi] with the gradient passing strictly inside (PyTorch's
    hardtanh, relu6); clamp's passes at the bounds too."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return grad * ((a > ctx.lo) & (a < ctx.hi))


class LogSigmoid(Function):
    """log(sigmoid(a)) = min(a, 0) - log(1 + exp(-|a|)), never log(sigmoid(a)); the gradient
    sigmoid(-a) keeps its tiny values for large a (1 - sigmoid(a) would round them to 0)."""

    @staticmethod
    def forward(ctx, a):
        e = np.exp(-np.abs(a))
        ctx.save_for_backward(a, e)
        return np.minimum(a, 0) - np.log1p(e)

    @staticmethod
    def backward(ctx, grad):
        a, e = ctx.saved_tensors
        return grad * np.where(a > 0, e, 1) / (1 + e)
