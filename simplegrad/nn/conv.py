"""Convolution layers over (N, C, L) and NCHW inputs: Conv1d, Conv2d and ConvTranspose2d, with
PyTorch's arguments, weight layouts and default init."""
import math

import numpy as np

from simplegrad.nn import functional as F
from simplegrad.nn import init
from simplegrad.nn.checks import check_int
from simplegrad.nn.module import Module, Parameter
from simplegrad.ops.conv import _pair


def _sizes(value, dims, name, minimum=1):
    """An int or a tuple of `dims` ints (each >= minimum), as a tuple."""
    if dims == 1 and isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if dims == 1:
        return (_pair(value, name, minimum)[0],)
    return _pair(value, name, minimum)


class _Conv(Module):
    """Shared convolution layer: checks the arguments, makes weight (kaiming-uniform with
    a=sqrt(5), PyTorch's default) and bias (U(+-1/sqrt(fan_in)))."""

    dims, transposed = 2, False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, output_padding=0):
        super().__init__()
        name = type(self).__name__
        self.in_channels = check_int(in_channels, f"{name} in_channels")
        self.out_channels = check_int(out_channels, f"{name} out_channels")
        self.groups = check_int(groups, f"{name} groups")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        self.kernel_size = _sizes(kernel_size, self.dims, f"{name} kernel_size")
        self.stride = _sizes(stride, self.dims, f"{name} stride")
        self.dilation = _sizes(dilation, self.dims, f"{name} dilation")
        if isinstance(padding, str) and not self.transposed:
            if padding not in ("same", "valid"):
                raise ValueError(f"{name} padding must be an int, a tuple, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' needs stride 1, got {stride}")
            self.padding = padding
        else:
            self.padding = _sizes(padding, self.dims, f"{name} padding", 0)
        self.output_padding = _sizes(output_padding, self.dims, f"{name} output_padding", 0)
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=np.float32))
        init.kaiming_uniform(self.weight, a=math.sqrt(5.0))
        self.bias = None
        if bias:
            bound = 1.0 / math.sqrt(shape[1] * math.prod(self.kernel_size))
            self.bias = init.uniform(Parameter(np.empty(self.out_channels, dtype=np.float32)),
                                     -bound, bound)

    def extra_repr(self):
        extra = "".join(f", {key}={getattr(self, key)}" for key, default in (
            ("output_padding", (0,) * self.dims), ("dilation", (1,) * self.dims),
            ("groups", 1)) if getattr(self, key) != default)
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{extra}, "
                f"bias={self.bias is not None}")


class Conv1d(_Conv):
    """Cross-correlation of (N, in_channels, L) input with `weight` of shape
    (out_channels, in_channels / groups, k), plus `bias`."""

    dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, padding: int | str = 0, dilation: int = 1, groups: int = 1,
                 bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias)

    def forward(self, x):
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv2d(_Conv):
    """Cross-correlation of (N, in_channels, H, W) input with `weight` of shape
    (out_channels, in_channels / groups, kh, kw), plus `bias`. PyTorch's arguments and default
    init (kaiming-uniform with a=sqrt(5), i.e. U(+-1/sqrt(fan_in)), for weight and bias);
    padding "same" or "valid" as in PyTorch, groups=in_channels for a depthwise conv."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class ConvTranspose2d(_Conv):
    """The adjoint of Conv2d (a learned upsampling): (N, in_channels, H, W) to
    (N, out_channels, H_out, W_out) with `weight` of shape (in_channels, out_channels / groups,
    kh, kw), PyTorch's layout and init; output_padding picks among the output sizes a strided
    conv maps to the same input size."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 output_padding: int | tuple[int, int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, int] = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, output_padding)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
