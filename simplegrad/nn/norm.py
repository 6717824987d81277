"""Normalisation layers: LayerNorm (per sample), GroupNorm (per sample and group of channels)
and BatchNorm1d/2d (per channel, with running statistics used in eval mode)."""
import numpy as np

from simplegrad.nn.checks import check_int, check_number
from simplegrad.nn.module import Module, Parameter
from simplegrad.nn.image_functional import group_norm
from simplegrad.ops.norm import batch_norm, layer_norm


class LayerNorm(Module):
    """Normalise over the trailing `normalized_shape` axes, then scale (weight) and shift (bias)."""

    def __init__(self, normalized_shape: int | tuple, eps: float = 1e-5,
                 elementwise_affine: bool = True):
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(check_int(n, "LayerNorm normalized_shape")
                                      for n in normalized_shape)
        self.eps = check_number(eps, "LayerNorm eps", 0, low_inclusive=False)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=np.float32))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=np.float32))

    def forward(self, x):
        if tuple(x.shape[x.ndim - len(self.normalized_shape):]) != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape}: input shape {x.shape} does "
                             f"not end with {self.normalized_shape}")
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each sample over groups of num_groups channels (and every spatial position),
    then scale (weight) and shift (bias) per channel: batch-size independent, for small batches
    and U-Nets."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True):
        super().__init__()
        self.num_groups = check_int(num_groups, "GroupNorm num_groups")
        self.num_channels = check_int(num_channels, "GroupNorm num_channels")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_groups {num_groups} must divide num_channels "
                             f"{num_channels}")
        self.eps = check_number(eps, "GroupNorm eps", 0, low_inclusive=False)
        self.affine = bool(affine)
        self.weight = self.bias = None
        if affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=np.float32))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=np.float32))

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected "
                             f"(N, {self.num_channels}, ...) input, got shape {x.shape}")
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _BatchNorm(Module):
    """Shared BatchNorm: weight/bias of shape (C,), buffers running_mean, running_var and
    num_batches_tracked (momentum=None: a cumulative average, as PyTorch)."""

    expected_ndim = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        name = type(self).__name__
        self.num_features = check_int(num_features, f"{name} num_features")
        self.eps = check_number(eps, f"{name} eps", 0, low_inclusive=False)
        self.momentum = None if momentum is None else check_number(momentum, f"{name} momentum",
                                                                   0, 1)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = self.bias = None
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=np.float32))
            self.bias = Parameter(np.zeros(self.num_features, dtype=np.float32))
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=np.float32))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=np.float32))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x):
        name = type(self).__name__
        if x.ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(f"{name}({self.num_features}): expected input with "
                             f"{' or '.join(map(str, self.expected_ndim))} dimensions and "
                             f"{self.num_features} channels on axis 1, got shape {x.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        tracking = self.track_running_stats
        if self.training and tracking:
            self.num_batches_tracked += 1  # a 0-d int64 array, updated in place
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked)
        return batch_norm(x, self.running_mean if tracking else None,
                          self.running_var if tracking else None, self.weight, self.bias,
                          training=self.training or not tracking, momentum=momentum,
                          eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs over the batch (and length) axes."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) images over the batch and spatial axes."""

    expected_ndim = (4,)
