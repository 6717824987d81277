"""Elementwise math functions, one row each: the NumPy function and its derivative side by side.

`_unary` turns a row into a `Function`: forward computes `fn(a)` (an integer input gives
float32, as in PyTorch), backward multiplies the upstream gradient by `derivative(a, out)`.
The rounding functions have a zero derivative, as in PyTorch.
"""
import math

import numpy as np

from simplegrad.autograd import Function
from simplegrad.ops.elementwise import erf


def _unary(name, fn, derivative, doc):
    """A Function class for out = fn(a) whose gradient is grad * derivative(a, out)."""

    def forward(ctx, a):
        out = fn(a)
        if out.dtype is not a.dtype and a.dtype.kind in "biu":  # integers give float32
            a = a.astype(np.float32)
            out = fn(a)
        ctx.save_for_backward(a, out)
        return out

    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return grad * derivative(a, out)

    namespace = {"forward": staticmethod(forward), "backward": staticmethod(backward),
                 "__doc__": doc, "__module__": __name__, "__qualname__": name}
    return type(name, (Function,), namespace)


def _zero(a, out):
    return np.zeros_like(out)


def _keeps_integers(fn):
    """A rounding function that returns integer input unchanged (a copy), as PyTorch does."""
    return lambda a: fn(a) if a.dtype.kind == "f" else a.copy()


def _erf(a):
    return erf(a).astype(a.dtype if a.dtype.kind == "f" else np.float64)


_LN2, _LN10 = math.log(2.0), math.log(10.0)

Sin = _unary("Sin", np.sin, lambda a, out: np.cos(a), "sin(a); d/da = cos(a).")
Cos = _unary("Cos", np.cos, lambda a, out: -np.sin(a), "cos(a); d/da = -sin(a).")
Tan = _unary("Tan", np.tan, lambda a, out: 1 + out * out, "tan(a); d/da = 1 + tan(a)^2.")
Asin = _unary("Asin", np.arcsin, lambda a, out: 1 / np.sqrt(1 - a * a),
              "arcsin(a); d/da = 1 / sqrt(1 - a^2).")
Acos = _unary("Acos", np.arccos, lambda a, out: -1 / np.sqrt(1 - a * a),
              "arccos(a); d/da = -1 / sqrt(1 - a^2).")
Atan = _unary("Atan", np.arctan, lambda a, out: 1 / (1 + a * a), "arctan(a); d/da = 1 / (1 + a^2).")
Sinh = _unary("Sinh", np.sinh, lambda a, out: np.cosh(a), "sinh(a); d/da = cosh(a).")
Cosh = _unary("Cosh", np.cosh, lambda a, out: np.sinh(a), "cosh(a); d/da = sinh(a).")
Asinh = _unary("Asinh", np.arcsinh, lambda a, out: 1 / np.sqrt(a * a + 1),
               "arcsinh(a); d/da = 1 / sqrt(a^2 + 1).")
Acosh = _unary("Acosh", np.arccosh, lambda a, out: 1 / np.sqrt(a * a - 1),
               "arccosh(a); d/da = 1 / sqrt(a^2 - 1).")
Atanh = _unary("Atanh", np.arctanh, lambda a, out: 1 / (1 - a * a),
               "arctanh(a); d/da = 1 / (1 - a^2).")
Erf = _unary("Erf", _erf, lambda a, out: (2 / math.sqrt(math.pi)) * np.exp(-a * a),
             "The error function; d/da = 2 / sqrt(pi) * exp(-a^2).")
Log2 = _unary("Log2", np.log2, lambda a, out: 1 / (a * _LN2), "log2(a); d/da = 1 / (a ln 2).")
Log10 = _unary("Log10", np.log10, lambda a, out: 1 / (a * _LN10),
               "log10(a); d/da = 1 / (a ln 10).")
Exp2 = _unary("Exp2", np.exp2, lambda a, out: out * _LN2, "2 ** a; d/da = 2 ** a * ln 2.")
Log1p = _unary("Log1p", np.log1p, lambda a, out: 1 / (1 + a),
               "log(1 + a), exact for small a; d/da = 1 / (1 + a).")
Expm1 = _unary("Expm1", np.expm1, lambda a, out: out + 1,
               "exp(a) - 1, exact for small a; d/da = exp(a).")
Rsqrt = _unary("Rsqrt", lambda a: 1 / np.sqrt(a), lambda a, out: -0.5 * out * out * out,
               "1 / sqrt(a); d/da = -a^(-3/2) / 2.")
Reciprocal = _unary("Reciprocal", lambda a: np.divide(1, a), lambda a, out: -out * out,
                    "1 / a; d/da = -1 / a^2.")
Sign = _unary("Sign", np.sign, _zero, "-1, 0 or 1 by the sign of a; zero gradient.")
Floor = _unary("Floor", _keeps_integers(np.floor), _zero, "Round down; zero gradient.")
Ceil = _unary("Ceil", _keeps_integers(np.ceil), _zero, "Round up; zero gradient.")
Round = _unary("Round", _keeps_integers(np.round), _zero,
               "Round half to even (as PyTorch); zero gradient.")
Trunc = _unary("Trunc", _keeps_integers(np.trunc), _zero, "Round toward zero; zero gradient.")
Frac = _unary("Frac", lambda a: a - np.trunc(a), lambda a, out: np.ones_like(out),
              "a - trunc(a), the fractional part with a's sign; d/da = 1.")
