"""Functional forms of the layers and losses: `from simplegrad.nn import functional as F`.

Each function takes Tensors and returns a Tensor; the nn layers are thin wrappers that hold
parameters and call these. The original simplegrad's names (relu, softmax,
cross_entropy_loss, sigmoid, log, exp, sum, dot, pow) are kept.
"""
import math

import numpy as np

from simplegrad import composed, rng
from simplegrad.ops import axis_alias
# Re-exported as functional forms of Conv2d, pooling, norms and Linear:
from simplegrad.ops.conv import avg_pool2d, conv2d, max_pool2d  # noqa: F401
from simplegrad.ops.norm import batch_norm, layer_norm  # noqa: F401
from simplegrad.ops.linalg import linear  # noqa: F401
from simplegrad.ops.softmax import BinaryCrossEntropyWithLogits
from simplegrad.tensor import Tensor


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _target(target, like):
    """A loss target as a constant array in the input's dtype (a Tensor needing grad stays)."""
    if isinstance(target, Tensor):
        if target.requires_grad:
            return target
        target = target.data
    return np.asarray(target, dtype=like.dtype)


def _axis(axis, dim, default=-1):
    """Accept NumPy's `axis` or PyTorch's `dim` (not both); neither means `default`."""
    return axis_alias(default if axis is None else axis, dim, default)


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


def leaky_relu(x, negative_slope=0.01):
    """x if x > 0 else negative_slope * x."""
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


def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    x = _tensor(x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = rng.generator().random(x.shape, dtype=np.float32) >= p
    mask = keep.astype(x.dtype)
    mask *= 1.0 / (1.0 - p)
    return x * Tensor._make(mask, False, None)


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


# ---- losses -----------------------------------------------------------------------------

def cross_entropy_loss(logits, targets):
    """Mean cross-entropy of logits (class axis last) against integer classes or one-hot rows."""
    return _tensor(logits).cross_entropy_loss(targets)


cross_entropy = cross_entropy_loss


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(name, x, target):
    """Refuse a target whose shape would silently enlarge an elementwise loss: (N, 1) against
    (N,) broadcasts to (N, N) and averages the wrong pairs (PyTorch only warns)."""
    shape = np.shape(target.data if isinstance(target, Tensor) else target)
    try:
        joint = np.broadcast_shapes(x.shape, shape)
    except ValueError:
        joint = None
    if joint != x.shape:
        grows = f" (they would broadcast to {joint})" if joint else ""
        raise ValueError(f"{name}: target of shape {shape} does not match input of shape "
                         f"{x.shape}{grows}; reshape one of them")


def mse_loss(input, target, reduction="mean"):  # noqa: A002  (PyTorch's argument name)
    """Mean squared error (input - target) ** 2."""
    x = _tensor(input)
    target = _target(target, x)
    _same_shape("mse_loss", x, target)
    diff = x - target
    return _reduce(diff * diff, reduction)


def binary_cross_entropy_with_logits(logits, targets, reduction="mean"):
    """Sigmoid + binary cross-entropy in one stable op: max(z, 0) - z * y + log(1 + exp(-|z|)),
    whose gradient is sigmoid(z) - y."""
    z = _tensor(logits)
    y = _target(targets, z)
    _same_shape("binary_cross_entropy_with_logits", z, y)
    return _reduce(BinaryCrossEntropyWithLogits.apply(z, y), reduction)


__all__ = [
    "relu", "sigmoid", "tanh", "gelu", "silu", "softplus", "leaky_relu", "softmax", "log_softmax",
    "log", "exp", "sum", "dot", "pow", "flatten", "pad", "one_hot", "dropout", "embedding",
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "layer_norm", "batch_norm",
    "cross_entropy_loss", "cross_entropy", "mse_loss", "binary_cross_entropy_with_logits",
]
