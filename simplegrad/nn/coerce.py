"""Turning the arguments of the functional ops into Tensors and arrays, shared by
`nn.functional` and its themed modules (losses, activations, attention)."""
import numpy as np

from simplegrad.ops import axis_alias
from simplegrad.tensor import Tensor


def as_tensor(x):
    """x itself if it is a Tensor, else a constant Tensor of it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def as_constant(value, like):
    """A target, weight or mask as a constant array in `like`'s dtype; a Tensor that needs
    grad stays a Tensor, so its gradient is computed too."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            return value
        value = value.data
    return np.asarray(value, dtype=like.dtype)


def axis_or_dim(axis, dim, default=-1):
    """Accept NumPy's `axis` or PyTorch's `dim` (not both); neither means `default`."""
    return axis_alias(default if axis is None else axis, dim, default)


def no_inplace(name, inplace):
    """PyTorch's `inplace=True` overwrites the input; simplegrad's ops never do, so it is
    refused rather than silently ignored (code that reads the input afterwards would break)."""
    if inplace:
        raise ValueError(f"{name}: inplace=True is not supported (simplegrad never overwrites "
                         f"an op's input); use the returned tensor and drop inplace")
