"""2-D convolution layer over NCHW images."""
import math

import numpy as np

from simplegrad.nn import init
from simplegrad.nn.checks import check_int
from simplegrad.nn.module import Module, Parameter
from simplegrad.ops.conv import _pair, conv2d


class Conv2d(Module):
    """Cross-correlation of (N, in_channels, H, W) input with `weight` of shape
    (out_channels, in_channels, kh, kw), plus `bias`. PyTorch's arguments and default init
    (kaiming-uniform with a=sqrt(5), i.e. U(+-1/sqrt(fan_in)), for weight and bias)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 bias: bool = True):
        super().__init__()
        self.in_channels = check_int(in_channels, "Conv2d in_channels")
        self.out_channels = check_int(out_channels, "Conv2d out_channels")
        self.kernel_size = _pair(kernel_size, "Conv2d kernel_size")
        self.stride = _pair(stride, "Conv2d stride")
        self.padding = _pair(padding, "Conv2d padding", 0)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=np.float32))
        init.kaiming_uniform(self.weight, a=math.sqrt(5.0))
        self.bias = None
        if bias:
            bound = 1.0 / math.sqrt(self.in_channels * math.prod(self.kernel_size))
            self.bias = init.uniform(Parameter(np.empty(self.out_channels, dtype=np.float32)),
                                     -bound, bound)

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")
