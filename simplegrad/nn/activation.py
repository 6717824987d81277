"""Activation layers: module wrappers of the elementwise functions, for use in Sequential."""
from simplegrad.nn import functional as F
from simplegrad.nn.checks import check_number
from simplegrad.nn.coerce import no_inplace
from simplegrad.nn.module import Module


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x):
        return F.relu(x)


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x):
        return F.tanh(x)


class GELU(Module):
    """Gaussian error linear unit (exact erf form; approximate="tanh" for the tanh form)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}" if self.approximate != "none" else ""


class SiLU(Module):
    """x * sigmoid(x), the sigmoid linear unit (also called swish)."""

    def forward(self, x):
        return F.silu(x)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, a smooth relu; linear where beta * x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = check_number(beta, "Softplus beta", low=0, low_inclusive=False)
        self.threshold = check_number(threshold, "Softplus threshold")

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        no_inplace("LeakyReLU", inplace)
        self.negative_slope = check_number(negative_slope, "LeakyReLU negative_slope")

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along `dim` (alias `axis`; default the last axis)."""

    def __init__(self, dim=None, axis=None):
        super().__init__()
        self.dim = F._axis(axis, dim)

    def forward(self, x):
        return F.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along `dim` (alias `axis`; default the last axis)."""

    def forward(self, x):
        return F.log_softmax(x, axis=self.dim)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, x):
        return x


class _Activation(Module):
    """An activation layer calling `function(x, *its arguments)`: the arguments are the
    attributes named in `arguments`, set by the subclass's PyTorch-style constructor."""

    function = None
    arguments = ()

    def __init__(self, inplace: bool = False):
        super().__init__()
        no_inplace(type(self).__name__, inplace)

    def forward(self, x):
        return type(self).function(x, *(getattr(self, name) for name in self.arguments))

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name in self.arguments)


class ELU(_Activation):
    """x for x > 0, else alpha * (exp(x) - 1)."""

    function, arguments = staticmethod(F.elu), ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.alpha = check_number(alpha, "ELU alpha")


class CELU(_Activation):
    """x for x > 0, else alpha * (exp(x / alpha) - 1)."""

    function, arguments = staticmethod(F.celu), ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.alpha = check_number(alpha, "CELU alpha")


class SELU(_Activation):
    """Self-normalising ELU: scale * elu(x, alpha) with fixed constants."""

    function = staticmethod(F.selu)


class Hardtanh(_Activation):
    """x clamped to [min_val, max_val]."""

    function, arguments = staticmethod(F.hardtanh), ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.min_val = check_number(min_val, "Hardtanh min_val")
        self.max_val = check_number(max_val, "Hardtanh max_val", low=min_val,
                                    low_inclusive=False)


class ReLU6(_Activation):
    """min(max(x, 0), 6)."""

    function = staticmethod(F.relu6)


class Hardsigmoid(_Activation):
    """relu6(x + 3) / 6."""

    function = staticmethod(F.hardsigmoid)


class Hardswish(_Activation):
    """x * relu6(x + 3) / 6."""

    function = staticmethod(F.hardswish)


class Mish(_Activation):
    """x * tanh(softplus(x))."""

    function = staticmethod(F.mish)


class LogSigmoid(_Activation):
    """log(sigmoid(x)), computed stably (never log of a sigmoid)."""

    function = staticmethod(F.logsigmoid)


class Softsign(_Activation):
    """x / (1 + |x|)."""

    function = staticmethod(F.softsign)


class QuickGELU(_Activation):
    """x * sigmoid(1.702 x), the GELU approximation of CLIP (not in PyTorch)."""

    function = staticmethod(F.quick_gelu)


class Softmin(Softmax):
    """softmax(-x) along `dim` (alias `axis`; default the last axis)."""

    def forward(self, x):
        return F.softmin(x, axis=self.dim)
