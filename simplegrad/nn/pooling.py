"""Max and average pooling layers over NCHW images (stride defaults to the kernel size)."""
from simplegrad.nn.module import Module
from simplegrad.ops.conv import _pair, avg_pool2d, max_pool2d


class _Pool2d(Module):
    """Shared pooling layer: checks and keeps kernel_size, stride and padding as given."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0):
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
    """Max over each kernel_size window (padding counts as -inf)."""

    def forward(self, x):
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over each kernel_size window (zero padding counts in the mean, as PyTorch)."""

    def forward(self, x):
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
