"""More activations of `torch.nn.functional`, re-exported by `nn.functional`: one line each,
composed from stable primitives (ops/activation.py; logsigmoid is never log(sigmoid(x))).
`inplace=True` is refused: simplegrad's ops never overwrite their input."""
import math

from simplegrad.nn.coerce import as_tensor, axis_or_dim, no_inplace
from simplegrad.ops.activation import ELU, Hardtanh, LogSigmoid

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def elu(input, alpha=1.0, inplace=False):  # noqa: A002  (PyTorch's argument name)
    """x for x > 0, else alpha * (exp(x) - 1)."""
    no_inplace("elu", inplace)
    return ELU.apply(as_tensor(input), alpha=alpha)


def selu(input, inplace=False):  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants."""
    no_inplace("selu", inplace)
    return ELU.apply(as_tensor(input), alpha=SELU_ALPHA, scale=SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x for x > 0, else alpha * (exp(x / alpha) - 1)."""
    no_inplace("celu", inplace)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides the input)")
    return ELU.apply(as_tensor(input), alpha=alpha, input_scale=1.0 / alpha)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """x clamped to [min_val, max_val]; no gradient at or beyond the bounds (as PyTorch)."""
    no_inplace("hardtanh", inplace)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    return Hardtanh.apply(as_tensor(input), lo=float(min_val), hi=float(max_val))


def relu6(input, inplace=False):  # noqa: A002
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):  # noqa: A002
    """relu6(x + 3) / 6, a piecewise-linear sigmoid."""
    no_inplace("hardsigmoid", inplace)
    return hardtanh(as_tensor(input) + 3.0, 0.0, 6.0) * (1 / 6)


def hardswish(input, inplace=False):  # noqa: A002
    """x * relu6(x + 3) / 6 (MobileNetV3's swish)."""
    no_inplace("hardswish", inplace)
    x = as_tensor(input)
    return x * hardsigmoid(x)


def logsigmoid(input):  # noqa: A002
    """log(sigmoid(x)) as min(x, 0) - log(1 + exp(-|x|)): finite for any x."""
    return LogSigmoid.apply(as_tensor(input))


def softsign(input):  # noqa: A002
    """x / (1 + |x|)."""
    x = as_tensor(input)
    return x / (x.abs() + 1.0)


def mish(input, inplace=False):  # noqa: A002
    """x * tanh(softplus(x))."""
    no_inplace("mish", inplace)
    x = as_tensor(input)
    return x * x.softplus().tanh()


def quick_gelu(input):  # noqa: A002
    """x * sigmoid(1.702 x): the fast GELU approximation of CLIP and GPT-style models (not in
    PyTorch)."""
    x = as_tensor(input)
    return x * (x * 1.702).sigmoid()


def softmin(input, dim=None, axis=None):  # noqa: A002
    """softmax(-x) along `dim` (default: the last axis, as simplegrad's softmax)."""
    return (-as_tensor(input)).softmax(axis=axis_or_dim(axis, dim))


def normalize(input, p=2.0, dim=1, eps=1e-12):  # noqa: A002
    """x / max(||x||_p, eps) along `dim`; a zero vector stays zero with a finite gradient."""
    x = as_tensor(input)
    if p == math.inf:
        norm = x.abs().max(axis=dim, keepdims=True).clip(eps, None)
    else:  # clip the sum before the root, so the root's slope at 0 is never used
        norm = (x.abs() ** p).sum(axis=dim, keepdims=True).clip(eps ** p, None) ** (1.0 / p)
    return x / norm
