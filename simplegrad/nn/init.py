"""Weight initialisers: fill a Parameter (or ndarray) in place, drawing from simplegrad's
generator so `simplegrad.manual_seed(n)` makes models reproducible.

Fan-in/fan-out: a 2-D weight is (in, out) as in simplegrad's Linear; a weight with more
dimensions is (out, in, *kernel) as in Conv2d (both follow the usual definitions).
"""
import math

from simplegrad import rng
from simplegrad.tensor import Tensor


def _array(param):
    """The ndarray to fill: a Parameter's data, or the ndarray itself."""
    return param.data if isinstance(param, Tensor) else param


def fan_in_and_out(shape):
    """(fan_in, fan_out) for a weight of this shape (see the module docstring for layouts)."""
    if len(shape) < 2:
        raise ValueError(f"fan in/out need a weight with at least 2 dimensions, got shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """The recommended init gain for an activation, as PyTorch defines it."""
    if nonlinearity in ("linear", "sigmoid", "conv2d", "identity"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def uniform(param, low=0.0, high=1.0):
    """Fill with U(low, high)."""
    a = _array(param)
    a[...] = rng.generator().uniform(low, high, size=a.shape)
    return param


def normal(param, mean=0.0, std=1.0):
    """Fill with N(mean, std^2)."""
    a = _array(param)
    a[...] = rng.generator().normal(mean, std, size=a.shape)
    return param


def zeros(param):
    """Fill with 0."""
    _array(param)[...] = 0
    return param


def ones(param):
    """Fill with 1."""
    _array(param)[...] = 1
    return param


def xavier_uniform(param, gain=1.0):
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_out(_array(param).shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(param, -bound, bound)


def xavier_normal(param, gain=1.0):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_out(_array(param).shape)
    return normal(param, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(shape, a, mode, nonlinearity):
    fan_in, fan_out = fan_in_and_out(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(param, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan) (PyTorch's defaults)."""
    bound = math.sqrt(3.0) * _kaiming_std(_array(param).shape, a, mode, nonlinearity)
    return uniform(param, -bound, bound)


def kaiming_normal(param, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std^2) with std = gain / sqrt(fan) (PyTorch's defaults)."""
    return normal(param, 0.0, _kaiming_std(_array(param).shape, a, mode, nonlinearity))


# PyTorch spells in-place initialisers with a trailing underscore; accept both.
uniform_, normal_, zeros_, ones_ = uniform, normal, zeros, ones
xavier_uniform_, xavier_normal_ = xavier_uniform, xavier_normal
kaiming_uniform_, kaiming_normal_ = kaiming_uniform, kaiming_normal

__all__ = ["calculate_gain", "fan_in_and_out", "uniform", "normal", "zeros", "ones",
           "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal"]
