"""Linear (fully connected) layer: y = x @ W + b with W of shape (in_dim, out_dim)."""
import numpy as np

from simplegrad.nn import init
from simplegrad.nn.module import Module, Parameter
from simplegrad.ops.linalg import linear


class Linear(Module):
    """y = x @ weight + bias. `weight` is (in_dim, out_dim) (the transpose of PyTorch's, so the
    forward pass is a plain matmul); Xavier-uniform weights, zero bias."""

    def __init__(self, in_dim: int, out_dim: int, bias: bool = True):
        super().__init__()
        self.in_dim, self.out_dim = int(in_dim), int(out_dim)
        self.weight = Parameter(np.empty((self.in_dim, self.out_dim), dtype=np.float32))
        init.xavier_uniform(self.weight)
        self.bias = Parameter(np.zeros(self.out_dim, dtype=np.float32)) if bias else None

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_dim={self.in_dim}, out_dim={self.out_dim}, bias={self.bias is not None}"
