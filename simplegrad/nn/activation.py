"""Activation layers: module wrappers of the elementwise functions, for use in Sequential."""
from simplegrad.nn import functional as F
from simplegrad.nn.checks import check_number
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

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
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
