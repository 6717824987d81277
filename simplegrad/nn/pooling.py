"""Pooling layers over NCHW images (stride defaults to the kernel size), their inverse
MaxUnpool2d, adaptive average pooling and Upsample, with PyTorch's arguments."""
from simplegrad.nn import functional as F
from simplegrad.nn.module import Module
from simplegrad.ops.conv import _pair


class _Pool2d(Module):
    """Shared pooling layer: checks and keeps kernel_size, stride and padding as given."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        _pair(kernel_size, f"{name} kernel_size")
        _pair(kernel_size if stride is None else stride, f"{name} stride")
        _pair(padding, f"{name} padding", 0)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max over each kernel_size window (padding counts as -inf); return_indices=True also
    returns where each max was, for MaxUnpool2d."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 dilation: int = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding)
        _pair(dilation, "MaxPool2d dilation")
        self.dilation, self.return_indices = dilation, bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window (zero padding counts in the mean unless
    count_include_pad=False, as PyTorch)."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class MaxUnpool2d(_Pool2d):
    """The inverse of MaxPool2d: `forward(x, indices, output_size=None)` puts each value back
    where the pooling's indices say, zeros elsewhere."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0):
        super().__init__(kernel_size, stride, padding)

    def forward(self, x, indices, output_size=None):
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output_size (an int or a pair; None keeps an axis): windows
    from floor(i * H / out) to ceil((i + 1) * H / out), as PyTorch."""

    def __init__(self, output_size: int | tuple):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Resize by `size` or `scale_factor`: mode "nearest", "nearest-exact", "linear",
    "bilinear" (with align_corners) or "area", as F.interpolate."""

    def __init__(self, size: int | tuple | None = None, scale_factor: float | tuple | None = None,
                 mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self):
        given = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{given}, mode={self.mode!r}"
