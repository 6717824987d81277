"""Task 8: a fully connected layer, built from tensors (no fused op needed).
Check your work with: simplegrad learn check THIS_FOLDER --task 8
"""
import numpy as np

from simplegrad import nn


class Linear(nn.Module):
    """Task 8. y = x @ weight + bias, for x of shape (..., in_dim).

    In __init__(self, in_dim, out_dim, bias=True), call super().__init__(), then set
    - self.weight: an nn.Parameter of shape (in_dim, out_dim) (simplegrad's layout; PyTorch
      stores the transpose), float32, drawn uniformly from [-limit, limit] with
      limit = sqrt(6 / (in_dim + out_dim)) (Xavier's rule, which keeps the output's variance
      near the input's); draw with simplegrad.rng.generator() so manual_seed fixes it;
    - self.bias: an nn.Parameter of out_dim float32 zeros, or None when bias is False.
    forward(self, x) returns x @ self.weight + self.bias (without the bias when it is None).
    Module finds the parameters by itself, from these attributes.

    The library's answer: simplegrad/nn/linear.py, `Linear`.
    """

    def __init__(self, in_dim, out_dim, bias=True):
        super().__init__()
        raise NotImplementedError("task 8: write Linear.__init__ in layers.py")

    def forward(self, x):
        raise NotImplementedError("task 8: write Linear.forward in layers.py")
