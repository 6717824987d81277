"""Linear (fully connected) layer: y = x @ W + b with W of shape (in_dim, out_dim)."""
import numpy as np

from simplegrad.nn import init
from simplegrad.nn.module import Module, Parameter
from simplegrad.ops.linalg import linear


class Linear(Module):
    """y = x @ weight + bias. `weight` is (in_dim, out_dim) (the transpose of PyTorch's, so the
    forward pass is a plain matmul); Xavier-uniform weights, zero bias.

    `bias=False` (PyTorch) or `use_bias=False` (the original simplegrad) leaves the bias out.
    """

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True, *,
                 use_bias: bool | None = None):
        super().__init__()
        if use_bias is not None and bias is not True and bool(use_bias) != bool(bias):
            raise TypeError(f"Linear: bias={bias!r} and use_bias={use_bias!r} disagree; "
                            f"pass one of them")
        self.in_dim, self.out_dim = _size("in_dim", in_dim), _size("out_dim", out_dim)
        self.weight = Parameter(np.empty((self.in_dim, self.out_dim), dtype=np.float32))
        init.xavier_uniform(self.weight)
        with_bias = bool(bias) if use_bias is None else bool(use_bias)
        self.bias = Parameter(np.zeros(self.out_dim, dtype=np.float32)) if with_bias else None

    @property
    def use_bias(self):
        """Whether the layer adds a bias (the original simplegrad's name for it)."""
        return self.bias is not None

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_dim={self.in_dim}, out_dim={self.out_dim}, bias={self.bias is not None}"


def _size(name, value):
    """A layer width as a Python int: TypeError for a non-integer, ValueError for one below 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"Linear: {name} must be an integer, got {value!r} "
                        f"({type(value).__name__})")
    if value < 1:
        raise ValueError(f"Linear: {name} must be at least 1, got {value}")
    return int(value)
