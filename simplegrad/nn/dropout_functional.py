"""Dropout, functional: its own module because both functional.py and attention use it."""
import numpy as np

from simplegrad import rng
from simplegrad.nn.coerce import as_tensor as _tensor
from simplegrad.tensor import Tensor


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
