"""scaled_dot_product_attention, as `torch.nn.functional` has it (re-exported by
`nn.functional`), and the attention core that nn.MultiheadAttention shares with it.

softmax(q k^T * scale + bias) v, composed from matmul, softmax and dropout. A query whose every
key is masked out attends to nothing: its output and weights are 0 (PyTorch's SDPA), not NaN.
Grouped-query heads (`enable_gqa`) broadcast each key/value head over its group of query
heads inside the matmuls, never copying keys and values.
"""
import math

import numpy as np

from simplegrad.nn.coerce import as_constant, as_tensor
from simplegrad.nn.dropout_functional import dropout
from simplegrad.ops import where
from simplegrad.tensor import Tensor


def _grouped(t, groups):
    """(..., H, L, E) -> (..., H / groups, groups, L, E): query heads split into their groups."""
    return t.reshape(*t.shape[:-3], t.shape[-3] // groups, groups, *t.shape[-2:])


def attend(q, k, v, bias=None, dropout_p=0.0, scale=None, groups=1):
    """(softmax(q k^T * scale + bias) v, the softmax weights) for q (..., L, E), k (..., S, E),
    v (..., S, Ev); `bias` (broadcast to (..., L, S)) is an array or a Tensor, -inf masks.
    With groups > 1, each key/value head serves `groups` consecutive query heads."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    if groups > 1:
        k, v = k.unsqueeze(-3), v.unsqueeze(-3)
        scores = (_grouped(q, groups) @ k.swapaxes(-1, -2)).reshape(*q.shape[:-1], k.shape[-2])
    else:
        scores = q @ k.swapaxes(-1, -2)
    scores = scores * scale
    dead = None
    if bias is not None:
        scores = scores + bias
        values = bias.data if isinstance(bias, Tensor) else bias
        dead = np.all(values == -np.inf, axis=-1, keepdims=True)
        dead = dead if dead.any() else None
    if dead is not None:  # rows with no key left: a finite softmax, then zeroed
        scores = where(dead, 0.0, scores)
    weights = scores.softmax(axis=-1)
    if dead is not None:
        weights = where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    if groups > 1:
        out = _grouped(weights, groups) @ v
        return out.reshape(*q.shape[:-1], v.shape[-1]), weights
    return weights @ v, weights


def mask_bias(mask, like, allowed_when_true):
    """A boolean mask as an additive bias (0 or -inf), in `like`'s dtype; a float mask is
    already one (a Tensor that needs grad stays a Tensor)."""
    values = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if values.dtype == bool:
        blocked = ~values if allowed_when_true else values
        return np.where(blocked, -np.inf, 0.0).astype(like.dtype)
    return as_constant(mask, like)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two axes (L queries, S keys), as PyTorch:
    a boolean `attn_mask` is True where attention is allowed, a float one is added;
    `is_causal` lets query i see keys 0..i; `scale` defaults to 1/sqrt(E); `dropout_p` drops
    attention weights (always: pass 0 at evaluation); `enable_gqa` lets H query heads share
    H / groups key/value heads (axis -3)."""
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(f"scaled_dot_product_attention: query, key and value need shape "
                         f"(..., L, E), got {q.shape}, {k.shape}, {v.shape}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got "
                         f"{dropout_p}")
    bias = None
    length, keys = q.shape[-2], k.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not "
                             "both")
        bias = mask_bias(np.tril(np.ones((length, keys), dtype=bool)), q, True)
    elif attn_mask is not None:
        bias = mask_bias(attn_mask, q, True)
    groups = 1
    if enable_gqa and q.ndim >= 3 and q.shape[-3] != k.shape[-3]:
        if q.shape[-3] % k.shape[-3] or k.shape[-3] != v.shape[-3]:
            raise ValueError(f"scaled_dot_product_attention: {q.shape[-3]} query heads cannot "
                             f"share {k.shape[-3]} key and {v.shape[-3]} value heads evenly")
        groups = q.shape[-3] // k.shape[-3]
    return attend(q, k, v, bias, dropout_p, scale, groups)[0]
