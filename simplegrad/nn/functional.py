"""Functional forms of the layers and losses: `from simplegrad.nn import functional as F`.

Each function takes Tensors and returns a Tensor; the nn layers are thin wrappers that hold
parameters and call these. The original simplegrad's names (relu, softmax,
cross_entropy_loss, sigmoid, log, exp, sum, dot, pow) are kept.
"""
import math

import numpy as np

from simplegrad import composed
from simplegrad.nn.coerce import as_tensor as _tensor, axis_or_dim as _axis, no_inplace
# Re-exported: more activations, the losses, attention, and the functional forms of Conv2d,
# pooling, norms and Linear.
from simplegrad.nn.activations_functional import (  # noqa: F401
    celu, elu, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, normalize, quick_gelu, relu6,
    selu, softmin, softsign)
from simplegrad.nn.attention_functional import scaled_dot_product_attention  # noqa: F401
from simplegrad.nn.dropout_functional import dropout  # noqa: F401
from simplegrad.nn.losses_functional import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, cross_entropy_loss,
    huber_loss, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from simplegrad.nn.image_functional import (  # noqa: F401
    adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv_transpose2d, group_norm, interpolate,
    max_pool2d, max_unpool2d)
from simplegrad.ops.norm import batch_norm, layer_norm  # noqa: F401
from simplegrad.ops.linalg import linear  # noqa: F401
from simplegrad.tensor import Tensor


# ---- activations ------------------------------------------------------------------------

def relu(x):
    """max(x, 0)."""
    return _tensor(x).relu()


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _tensor(x).sigmoid()


def tanh(x):
    """Hyperbolic tangent."""
    return _tensor(x).tanh()


def gelu(x, approximate="none"):
    """x * Phi(x), the Gaussian error linear unit (approximate="tanh" for the tanh form)."""
    return _tensor(x).gelu(approximate=approximate)


def silu(x):
    """x * sigmoid(x), the sigmoid linear unit (also called swish)."""
    x = _tensor(x)
    return x * x.sigmoid()


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, a smooth relu; linear where beta * x > threshold."""
    return _tensor(x).softplus(beta, threshold)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x (PyTorch's signature; inplace=True is refused)."""
    no_inplace("leaky_relu", inplace)
    return _tensor(x).leaky_relu(negative_slope)


def softmax(x, axis=None, temperature=1.0, dim=None):
    """exp(x / temperature) / sum(exp(x / temperature)) along `axis` (default: last); the
    original simplegrad's signature, plus PyTorch's `dim`."""
    return _tensor(x).softmax(axis=_axis(axis, dim), temperature=temperature)


def log_softmax(x, axis=None, dim=None):
    """x - logsumexp(x) along `axis` (default: last)."""
    return _tensor(x).log_softmax(axis=_axis(axis, dim))


# ---- the original simplegrad's elementwise helpers -------------------------------------

def log(x):
    """Natural logarithm."""
    return _tensor(x).log()


def exp(x):
    """e ** x."""
    return _tensor(x).exp()


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001  (original name)
    """Sum over `axis` (None: all elements); PyTorch's dim/keepdim are accepted."""
    return _tensor(x).sum(axis, keepdims, dim=dim, keepdim=keepdim)


def dot(a, b):
    """Matrix product a @ b."""
    return _tensor(a).matmul(b)


def pow(base, exponent):  # noqa: A001  (the original's name and argument names)
    """base ** exponent."""
    return _tensor(base) ** exponent


# ---- shape and regularisation -----------------------------------------------------------

def flatten(x, start_dim=1, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one (default: all but the batch axis)."""
    x = _tensor(x)
    if x.ndim == 0:
        return x.reshape(1)  # as PyTorch: a 0-d tensor flattens to shape (1,)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(*x.shape[:start], math.prod(x.shape[start:end + 1]), *x.shape[end + 1:])


def pad(input, pad, mode="constant", value=None):  # noqa: A002  (PyTorch's names)
    """Pad (left, right) pairs from the last dim backwards; negative amounts crop. Modes:
    "constant" (value, default 0), "reflect", "replicate", "circular"."""
    return composed.pad(_tensor(input), pad, mode, value)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot rows for integer class indices: a new last dim of num_classes."""
    return Tensor(composed.one_hot(tensor, num_classes))


def embedding(indices, weight):
    """Rows of `weight` (num_embeddings, dim) picked by integer `indices` (any shape)."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise ValueError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise ValueError(f"embedding: index out of range [0, {rows}): got min {idx.min()}, "
                         f"max {idx.max()}")
    return weight[idx]


__all__ = [
    "relu", "sigmoid", "tanh", "gelu", "silu", "softplus", "leaky_relu", "softmax", "log_softmax",
    "elu", "selu", "celu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "logsigmoid",
    "softsign", "mish", "quick_gelu", "softmin", "normalize",
    "log", "exp", "sum", "dot", "pow", "flatten", "pad", "one_hot", "dropout", "embedding",
    "linear", "conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
    "max_unpool2d", "adaptive_avg_pool2d", "interpolate", "layer_norm", "batch_norm",
    "group_norm",
    "cross_entropy_loss", "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss",
    "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "scaled_dot_product_attention",
]
