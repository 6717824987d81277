"""Elementwise ops: arithmetic, activations, maximum/minimum and `where`.

Binary ops broadcast like NumPy; backward returns gradients in the broadcast shape and the
engine sums them back to each input's shape (autograd._unbroadcast).
"""
import math

import numpy as np

from simplegrad import parallel
from simplegrad.autograd import Function, OpError
from simplegrad.ops import special

_BROADCAST = "shapes {shapes} do not broadcast together (NumPy broadcasting rules)"
F64 = np.dtype(np.float64)


def promoted(fn, out, a, b):
    """(out, a, b) with PyTorch's promotion: an integer or boolean array meeting a float (or a
    float number) gives float32, the default dtype, unless a float64 array takes part; NumPy
    gives float64. The ops call it only when `out` is float64 and `a` is no float64 array, so
    the float32 path pays one `is` test and the float64 path two."""
    if getattr(a, "dtype", None) is F64 or getattr(b, "dtype", None) is F64:
        return out, a, b  # a float64 array took part: float64 is right
    if not (_integral(a) or _integral(b)):
        return out, a, b
    a, b = floating(a), floating(b)
    return fn(a, b), a, b


def _integral(x):
    return isinstance(x, np.ndarray) and x.dtype.kind in "biu"


def floating(a):
    """An integer or boolean array as float32 (PyTorch's default dtype); anything else as is."""
    return a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind in "biu" else a


class Add(Function):
    """a + b; the gradient passes through unchanged to both inputs."""
    shape_error = "add: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out = np.add(a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out = promoted(np.add, out, a, b)[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b; the gradient of b is negated."""
    shape_error = "sub: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out = np.subtract(a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out = promoted(np.subtract, out, a, b)[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """a * b; each input's gradient is the upstream gradient times the other input."""
    shape_error = "mul: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        out = np.multiply(a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out, a, b = promoted(np.multiply, out, a, b)
        ctx.save_for_backward(a, b)
        return out

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
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out, a, b = promoted(np.divide, out, a, b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        grad_a = grad / b
        return grad_a, (-grad_a * out if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """a ** b for a tensor or constant exponent b; PyTorch's gradients where the formulas meet
    0: none for a at b = 0 (d/da a^0 is 0, not 0 * a^-1), none for b at a = 0 when b >= 0."""
    shape_error = "pow: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = np.power(a, b)
        except ValueError:
            if np.asarray(a).dtype.kind in "biu" and np.asarray(b).dtype.kind in "biu":
                raise OpError("pow: integers to negative integer powers are not allowed; use a "
                              "float exponent (x ** -2.0) or a float tensor") from None
            raise
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out, a, b = promoted(np.power, out, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if need_a and not need_b and not isinstance(b, np.ndarray):  # x ** 2 and the like
            return (grad * b * np.power(a, b - 1) if b != 0 else np.zeros_like(grad)), None
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                grad_a = grad * np.where(b == 0, 0, b * np.power(a, b - 1))
            if need_b:
                grad_b = grad * np.where((a == 0) & (b >= 0), 0, out * np.log(a))
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
        if out.dtype is not a.dtype:  # an integer input: float32, as in PyTorch
            out = np.exp(floating(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved_tensors[0]


class Log(Function):
    """Natural log; the derivative is 1 / a."""

    @staticmethod
    def forward(ctx, a):
        out = np.log(a)
        if out.dtype is not a.dtype:  # an integer input: float32, as in PyTorch
            a = floating(a)
            out = np.log(a)
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.saved_tensors[0]


class Sqrt(Function):
    """Square root; the derivative is 1 / (2 * out)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        if out.dtype is not a.dtype:  # an integer input: float32, as in PyTorch
            out = np.sqrt(floating(a))
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
        if parallel.is_large(a):  # split over simplegrad's threads
            out = parallel.elementwise(lambda o, x: np.maximum(x, 0, out=o), np.empty_like(a), a)
        else:
            out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        if parallel.is_large(grad) and grad.shape == out.shape:
            return parallel.elementwise(lambda g_in, g, o: np.multiply(g, o != 0, out=g_in),
                                        np.empty_like(out, dtype=grad.dtype), grad, out)
        return grad * (out != 0)


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
        a = floating(a)
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
        a = floating(a)
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
        if out.dtype is not a.dtype:  # an integer input: float32, as in PyTorch
            out = np.tanh(floating(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (1 - out * out)


def erf(x):
    """The error function, elementwise (ops/special.py: vectorised, to float64 rounding)."""
    return special.erf(x)


def _gelu_exact(out, a, cdf):
    """out = a * Phi(a), with cdf = Phi(a) = erfc(-a / sqrt 2) / 2 kept for backward (erfc, not
    1 + erf: no cancellation for negative a)."""
    np.multiply(special.erfc(a * -(1 / math.sqrt(2))), 0.5, out=cdf)
    np.multiply(a, cdf, out=out)


def _gelu_exact_backward(out, grad, a, cdf):
    """out = grad * (Phi(a) + a * pdf(a))."""
    pdf = np.exp(a * a * -0.5)
    pdf *= a * (1 / math.sqrt(2 * math.pi))
    pdf += cdf
    np.multiply(grad, pdf, out=out)


class GELU(Function):
    """x * Phi(x) (exact, with erf) or PyTorch's tanh approximation (approximate="tanh")."""

    @staticmethod
    def forward(ctx, a, approximate="none"):
        a = floating(a)
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)
            ctx.t = np.tanh(inner)
            return 0.5 * a * (1 + ctx.t)
        ctx.cdf, out = np.empty_like(a), np.empty_like(a)
        parallel.elementwise(_gelu_exact, out, a, ctx.cdf)  # large: on simplegrad's threads
        return out

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = ctx.t
            d_inner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * a * a)
            return grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * d_inner)
        if grad.shape != a.shape:
            grad = np.broadcast_to(grad, a.shape)
        return parallel.elementwise(_gelu_exact_backward, np.empty_like(a, dtype=grad.dtype),
                                    grad, a, ctx.cdf)


class Clip(Function):
    """Clamp a to [lo, hi]; lo and hi are numbers, tensors or None (not both). As torch.clamp,
    the gradient goes to a where lo <= a <= hi, to lo where a < lo < hi, and to hi where a > hi
    (or where hi < lo: then the result is hi everywhere)."""
    shape_error = "clamp: " + _BROADCAST

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a, lo, hi)
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        a, lo, hi = ctx.saved_tensors
        above_lo = True if lo is None else a >= lo
        below_hi = True if hi is None else a <= hi
        zero = np.zeros((), dtype=grad.dtype)
        grad_lo = grad_hi = None
        if ctx.needs_input_grad[1]:
            grad_lo = np.where(~above_lo & (True if hi is None else lo < hi), grad, zero)
        if ctx.needs_input_grad[2]:
            grad_hi = np.where(~below_hi | (False if lo is None else hi < lo), grad, zero)
        return np.where(above_lo & below_hi, grad, zero), grad_lo, grad_hi


class Maximum(Function):
    """Elementwise max; on ties each input gets half the gradient (as torch.maximum)."""
    shape_error = "maximum: " + _BROADCAST
    pick = np.maximum  # Minimum below is this class with np.minimum

    @classmethod
    def forward(cls, ctx, a, b):
        out = cls.pick(a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out, a, b = promoted(cls.pick, out, a, b)
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
        out = np.where(cond, a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out = promoted(lambda x, y: np.where(cond, x, y), out, a, b)[0]
        return out

    @staticmethod
    def backward(ctx, grad):
        cond, = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        return (None,
                np.where(cond, grad, zero) if ctx.needs_input_grad[1] else None,
                np.where(cond, zero, grad) if ctx.needs_input_grad[2] else None)
