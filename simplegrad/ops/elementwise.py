"""Elementwise ops: arithmetic, activations, maximum/minimum and `where`.

Binary ops broadcast like NumPy; backward returns gradients in the broadcast shape and the
engine sums them back to each input's shape (autograd._unbroadcast).
"""
import math

import numpy as np

from simplegrad.autograd import Function
from simplegrad.ops import special

_BROADCAST = "shapes {shapes} do not broadcast together (NumPy broadcasting rules)"


class Add(Function):
    """a + b; the gradient passes through unchanged to both inputs."""
    shape_error = "add: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b; the gradient of b is negated."""
    shape_error = "sub: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """a * b; each input's gradient is the upstream gradient times the other input."""
    shape_error = "mul: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """a / b, exactly; d/db = -a / b^2 = -out / b."""
    shape_error = "div: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out = np.divide(a, b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        grad_a = grad / b
        return grad_a, (-grad_a * out if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """a ** b for a tensor or constant exponent b."""
    shape_error = "pow: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad * b * np.power(a, b - 1)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = grad * np.where(a == 0, 0, out * np.log(a))
        return grad_a, grad_b


class Neg(Function):
    """-a."""

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """e ** a; its derivative is its output, which is saved instead of the input."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved_tensors[0]


class Log(Function):
    """Natural log; the derivative is 1 / a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved_tensors[0]


class Sqrt(Function):
    """Square root; the derivative is 1 / (2 * out)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad / (2.0 * ctx.saved_tensors[0])


class Abs(Function):
    """|a|; the derivative is sign(a) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(ctx.saved_tensors[0])


class ReLU(Function):
    """max(a, 0); the gradient passes where the output is not 0 (positive, or NaN as in PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.saved_tensors[0] != 0)


class LeakyReLU(Function):
    """a where a > 0, else slope * a."""

    @staticmethod
    def forward(ctx, a, slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = slope
        return np.where(a > 0, a, a * slope)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return np.where(a > 0, grad, grad * ctx.slope)


class Softplus(Function):
    """log(1 + exp(beta * a)) / beta, exactly `a` where beta * a > threshold (as torch);
    the derivative is sigmoid(beta * a)."""

    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        scaled = a * beta
        ctx.save_for_backward(scaled)
        ctx.threshold = threshold
        return np.where(scaled > threshold, a, np.logaddexp(0, scaled) / beta)

    @staticmethod
    def backward(ctx, grad):
        scaled, = ctx.saved_tensors
        sigmoid = 0.5 * (1 + np.tanh(0.5 * scaled))  # stable for any |scaled|
        return grad * np.where(scaled > ctx.threshold, 1, sigmoid)


class Sigmoid(Function):
    """1 / (1 + exp(-a)); the derivative is out * (1 - out)."""

    @staticmethod
    def forward(ctx, a):
        # exp(-|a|) never overflows; pick the form of 1/(1+exp(-a)) that stays exact.
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * (1 - out)


class Tanh(Function):
    """tanh(a); the derivative is 1 - out^2."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)


def erf(x):
    """The error function, elementwise (ops/special.py: vectorised, to float64 rounding)."""
    return special.erf(x)


class GELU(Function):
    """x * Phi(x) (exact, with erf) or PyTorch's tanh approximation (approximate="tanh")."""

    @staticmethod
    def forward(ctx, a, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)
            ctx.t = np.tanh(inner)
            return 0.5 * a * (1 + ctx.t)
        ctx.cdf = (0.5 * special.erfc(a * -(1 / math.sqrt(2)))).astype(a.dtype, copy=False)
        return a * ctx.cdf

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = ctx.t
            d_inner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * a * a)
            return grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner)
        pdf = np.exp(-0.5 * a * a) * (1 / math.sqrt(2 * math.pi))
        return grad * (ctx.cdf + a * pdf)


class Clip(Function):
    """Clamp to [lo, hi] (either may be None); the gradient passes where lo <= a <= hi."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        keep = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= a >= ctx.lo
        if ctx.hi is not None:
            keep &= a <= ctx.hi
        return grad * keep


class Maximum(Function):
    """Elementwise max; on ties each input gets half the gradient (as torch.maximum)."""
    shape_error = "maximum: " + _BROADCAST
    pick = np.maximum  # Minimum below is this class with np.minimum

    @classmethod
    def forward(cls, ctx, a, b):
        out = cls.pick(a, b)
        ctx.save_for_backward(a, b, out)  # the output tells which input won
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        share = np.where(a == b, 0.5, a == out).astype(grad.dtype)  # winner 1, tie 0.5 each
        return grad * share, grad * (1 - share)


class Minimum(Maximum):
    """Elementwise min; on ties each input gets half the gradient (as torch.minimum)."""
    shape_error = "minimum: " + _BROADCAST
    pick = np.minimum


class Where(Function):
    """where(cond, a, b): a where cond is true, else b; cond gets no gradient."""
    shape_error = "where: " + _BROADCAST

    @staticmethod
    def forward(ctx, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond, = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        return (None,
                np.where(cond, grad, zero) if ctx.needs_input_grad[1] else None,
                np.where(cond, zero, grad) if ctx.needs_input_grad[2] else None)
