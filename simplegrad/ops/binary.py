"""Binary elementwise math beyond arithmetic: logaddexp, remainder, fmod, copysign and division
with rounding. They broadcast like NumPy and promote integers like PyTorch (float32)."""
import numpy as np

from simplegrad.autograd import Function, OpError
from simplegrad.ops.elementwise import _BROADCAST, F64, promoted


def _forward(fn, a, b):
    """fn(a, b) and the inputs it was computed from (integers meeting floats become float32)."""
    out = fn(a, b)
    return promoted(fn, out, a, b) if out.dtype is F64 else (out, a, b)


class LogAddExp(Function):
    """log(exp(a) + exp(b)) without overflow; d/da = exp(a - out), d/db = exp(b - out)."""
    shape_error = "logaddexp: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out, a, b = _forward(np.logaddexp, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * np.exp(a - out) if need_a else None,
                grad * np.exp(b - out) if need_b else None)


class Remainder(Function):
    """a - b * floor(a / b), with the sign of b (Python's %, torch.remainder); fmod=True gives
    a - b * trunc(a / b), with the sign of a (C's fmod). d/da = 1, d/db = -floor (or trunc)."""
    shape_error = "remainder: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b, fmod=False):
        out, a, b = _forward(np.fmod if fmod else np.remainder, a, b)
        ctx.save_for_backward(a, b)
        ctx.rounding = np.trunc if fmod else np.floor
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * ctx.rounding(a / b) if ctx.needs_input_grad[1] else None
        return grad, grad_b


class CopySign(Function):
    """|a| with the sign of b; d/da = out / a (0 where a = 0), d/db = 0, as in PyTorch."""
    shape_error = "copysign: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out, a, b = _forward(np.copysign, a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(a == 0, 0, out / a)
        return grad * ratio, (np.zeros_like(grad) if ctx.needs_input_grad[1] else None)


def _trunc_divide(a, b):
    """a / b rounded toward zero; integers stay integers (exact, as torch's rounding_mode)."""
    if np.result_type(a, b).kind in "iu":
        q = np.floor_divide(a, b)
        return q + ((q < 0) & (q * b != a))  # floor -> toward zero for inexact negatives
    return np.trunc(np.divide(a, b))


class RoundedDiv(Function):
    """a / b rounded down (mode "floor", Python's //) or toward zero ("trunc"); integers stay
    integers. The result is piecewise constant: zero gradients, as in PyTorch."""
    shape_error = "div: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b, mode="floor"):
        if mode not in ("floor", "trunc"):
            raise OpError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {mode!r}")
        return _forward(np.floor_divide if mode == "floor" else _trunc_divide, a, b)[0]

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), np.zeros_like(grad)
