"""The image ops of `torch.nn.functional`, re-exported by `nn.functional`: convolutions,
pooling, unpooling, resampling and group norm, with PyTorch's signatures.

The primitives are in simplegrad/ops/ (conv.py, conv_transpose.py, unpool.py, resample.py);
here they get PyTorch's extras: unbatched (C, H, W) inputs, conv1d as a conv2d of height 1,
max pooling's `return_indices`, group norm composed from the fused layer norm.
"""
import math

import numpy as np

from simplegrad.autograd import OpError
from simplegrad.nn.coerce import as_constant, as_tensor
from simplegrad.ops import conv, resample
from simplegrad.ops.conv import _pair, _pool_window
from simplegrad.ops.conv_transpose import conv_transpose2d as _conv_transpose2d
from simplegrad.ops.norm import layer_norm
from simplegrad.ops.unpool import MaxUnpool2d, max_indices
from simplegrad.tensor import Tensor


def _batched(op, x, spatial, *args, **kwargs):
    """Run a batched op on an input without the batch axis too (as PyTorch): `spatial` is the
    number of spatial axes; outputs get the batch axis removed again."""
    x = as_tensor(x)
    if x.ndim != spatial + 1:
        return op(x, *args, **kwargs)
    out = op(x.unsqueeze(0), *args, **kwargs)
    return tuple(o[0] for o in out) if isinstance(out, tuple) else out[0]


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups=1):
    """2-D cross-correlation of (N, C, H, W) (or (C, H, W)) with weight (O, C / groups, kh, kw);
    padding an int, a pair, "same" or "valid"; groups=C for depthwise."""
    return _batched(conv.conv2d, input, 2, weight, bias, stride, padding, dilation, groups)


def _one_d(value, fill):
    """A 1-D conv/pool argument as the pair of the equivalent height-1 2-D op."""
    if isinstance(value, str):
        return value
    value = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    return (fill, value)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D cross-correlation of (N, C, L) (or (C, L)) with weight (O, C / groups, k): a conv2d
    over a height-1 image."""
    w = as_tensor(weight)
    if w.ndim != 3:
        raise OpError(f"conv1d: weight must be (out, C / groups, k), got shape {w.shape}")

    def run(x):
        out = conv.conv2d(x.unsqueeze(2), w.unsqueeze(2), bias, _one_d(stride, 1),
                          _one_d(padding, 0), _one_d(dilation, 1), groups)
        return out.squeeze(2)
    return _batched(run, input, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (the adjoint of conv2d): (N, C, H, W) with weight
    (C, O / groups, kh, kw)."""
    return _batched(_conv_transpose2d, input, 2, weight, bias, stride, padding, output_padding,
                    groups, dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """Max over each window; with return_indices, also where each max is (flat index into
    the input's (H, W) plane, for max_unpool2d)."""
    def run(x):
        out = conv.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
        if not return_indices:
            return out
        win = _pool_window(x.data, kernel_size, stride, padding, dilation, ceil_mode, "")
        return out, Tensor(max_indices(x.data, win))
    return _batched(run, input, 2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """Mean over each window (zero padding counts unless count_include_pad=False)."""
    return _batched(conv.avg_pool2d, input, 2, kernel_size, stride, padding, ceil_mode,
                    count_include_pad, divisor_override)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """The inverse of max_pool2d: each value put back where `indices` (from
    return_indices=True) says, zeros elsewhere."""
    (kh, kw), (ph, pw) = _pair(kernel_size, "max_unpool2d kernel_size"), \
        _pair(padding, "max_unpool2d padding", 0)
    sh, sw = _pair(kernel_size if stride is None else stride, "max_unpool2d stride")
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)

    def run(x, idx):
        size = ((x.shape[2] - 1) * sh - 2 * ph + kh, (x.shape[3] - 1) * sw - 2 * pw + kw)
        if output_size is not None:
            size = tuple(int(v) for v in list(output_size)[-2:])
        return MaxUnpool2d.apply(x, idx, size=size)
    x = as_tensor(input)
    if x.ndim == 3:
        return run(x.unsqueeze(0), idx[None])[0]
    return run(x, idx)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (an int or a pair; None keeps an axis)."""
    return _batched(resample.adaptive_avg_pool2d, input, 2, output_size)


def interpolate(input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    """Resize by `size` or `scale_factor`: "nearest", "nearest-exact", "linear" (N, C, L),
    "bilinear" (N, C, H, W) (with PyTorch's align_corners) or "area"."""
    return resample.interpolate(as_tensor(input), size, scale_factor, mode, align_corners,
                                recompute_scale_factor, antialias)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise each sample over groups of channels (and all spatial positions), then scale
    and shift per channel: the fused layer norm over (C / groups * spatial) values."""
    x = as_tensor(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise OpError(f"group_norm: {num_groups} groups do not divide the channels of an input "
                      f"of shape {x.shape} (expected (N, C, ...))")
    per_group = x.shape[1] // num_groups * math.prod(x.shape[2:])
    out = layer_norm(x.reshape(x.shape[0], num_groups, per_group), per_group, eps=eps)
    out = out.reshape(x.shape)
    channel = (x.shape[1],) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * as_constant(weight, x).reshape(channel)
    if bias is not None:
        out = out + as_constant(bias, x).reshape(channel)
    return out
