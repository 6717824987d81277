"""nn.MultiheadAttention with PyTorch's constructor, forward and parameter names.

Projection weights use simplegrad's Linear layout, (in, out): `in_proj_weight` is
(embed_dim, 3 * embed_dim) and `out_proj` is an nn.Linear, so x @ W projects. PyTorch stores
the transposes: transpose `in_proj_weight`, `q/k/v_proj_weight` and `out_proj.weight` when
copying weights across (docs/coming-from.md).
"""
import math

import numpy as np

from simplegrad.ops import cat
from simplegrad.nn import init
from simplegrad.nn.attention_functional import attend, mask_bias
from simplegrad.nn.checks import check_int, check_number
from simplegrad.nn.linear import Linear
from simplegrad.nn.module import Module, Parameter
from simplegrad.ops.linalg import linear
from simplegrad.tensor import Tensor


def _empty(*shape):
    return Parameter(np.empty(shape, dtype=np.float32))


class MultiheadAttention(Module):
    """Attention of `query` over `key`/`value` with `num_heads` heads of embed_dim / num_heads
    each: softmax(q k^T / sqrt(head_dim) + masks) v per head, heads concatenated, projected.

    Inputs are (L, N, E) (or (N, L, E) with batch_first=True, or unbatched (L, E)); forward
    returns (output, attention weights averaged over heads, or per head, or None)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False):
        super().__init__()
        self.embed_dim = check_int(embed_dim, "MultiheadAttention embed_dim")
        self.num_heads = check_int(num_heads, "MultiheadAttention num_heads")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        self.head_dim = embed_dim // num_heads
        self.dropout = check_number(dropout, "MultiheadAttention dropout", 0, 1)
        self.kdim = embed_dim if kdim is None else check_int(kdim, "MultiheadAttention kdim")
        self.vdim = embed_dim if vdim is None else check_int(vdim, "MultiheadAttention vdim")
        self.batch_first, self.add_zero_attn = bool(batch_first), bool(add_zero_attn)
        self.in_proj_weight = self.q_proj_weight = self.k_proj_weight = None
        self.v_proj_weight = None
        if self.kdim == self.vdim == embed_dim:
            self.in_proj_weight = init.xavier_uniform(_empty(embed_dim, 3 * embed_dim))
        else:
            self.q_proj_weight = init.xavier_uniform(_empty(embed_dim, embed_dim))
            self.k_proj_weight = init.xavier_uniform(_empty(self.kdim, embed_dim))
            self.v_proj_weight = init.xavier_uniform(_empty(self.vdim, embed_dim))
        self.in_proj_bias = init.zeros(_empty(3 * embed_dim)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        init.uniform(self.out_proj.weight, -1 / math.sqrt(embed_dim), 1 / math.sqrt(embed_dim))
        if bias:
            init.zeros(self.out_proj.bias)
        self.bias_k = self.bias_v = None
        if add_bias_kv:
            self.bias_k = init.xavier_normal(_empty(1, 1, embed_dim))
            self.bias_v = init.xavier_normal(_empty(1, 1, embed_dim))

    def _projections(self, query, key, value, same):
        """q, k, v = the inputs projected (one matmul when they are the same tensor)."""
        e, b = self.embed_dim, self.in_proj_bias
        parts = [None if b is None else b[i * e:(i + 1) * e] for i in range(3)]
        if self.in_proj_weight is None:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        elif same:
            qkv = linear(query, self.in_proj_weight, b)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        else:
            weights = [self.in_proj_weight[:, i * e:(i + 1) * e] for i in range(3)]
        return tuple(linear(x, w, c) for x, w, c in zip((query, key, value), weights, parts))

    def _heads(self, x):
        """(N, L, E) -> (N, heads, L, head_dim)."""
        return x.reshape(x.shape[0], x.shape[1], self.num_heads, self.head_dim).swapaxes(1, 2)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """(output shaped like query, attention weights (N, L, S) averaged over heads, or
        (N, heads, L, S), or None when need_weights=False). Boolean masks are True where
        attention is NOT allowed (PyTorch's MultiheadAttention; SDPA's are the opposite);
        float masks are added. is_causal is a hint that attn_mask is causal (it must be
        given, as in PyTorch)."""
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal is a hint that attn_mask is the "
                             "causal mask; give attn_mask too")
        batched, same = query.ndim == 3, query is key is value
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: expected query, key and value of shape "
                             f"(L, N, E) (batch_first: (N, L, E)) or unbatched (L, E), got "
                             f"{query.shape}, {key.shape}, {value.shape}")
        if not batched:
            query, key, value = (x.unsqueeze(0) for x in (query, key, value))
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (x.swapaxes(0, 1) for x in (query, key, value))
        q, k, v = self._projections(query, key, value, same)
        n, length = q.shape[:2]
        masks = [None if attn_mask is None else mask_bias(attn_mask, q, False),
                 None if key_padding_mask is None else mask_bias(key_padding_mask, q, False)]
        if self.bias_k is not None:
            k = cat([k, self.bias_k + np.zeros((n, 1, self.embed_dim), q.dtype)], axis=1)
            v = cat([v, self.bias_v + np.zeros((n, 1, self.embed_dim), q.dtype)], axis=1)
            masks = [_pad_key(m) for m in masks]
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        if self.add_zero_attn:
            zeros = np.zeros((n, self.num_heads, 1, self.head_dim), q.dtype)
            k, v = cat([k, zeros], axis=2), cat([v, zeros], axis=2)
            masks = [_pad_key(m) for m in masks]
        bias = self._bias(*masks, n, length, k.shape[2], batched)
        out, weights = attend(q, k, v, bias, self.dropout if self.training else 0.0)
        out = self.out_proj(out.swapaxes(1, 2).reshape(n, length, self.embed_dim))
        out = out[0] if not batched else out if self.batch_first else out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        weights = weights.mean(axis=1) if average_attn_weights else weights
        return out, weights if batched else weights[0]

    def _bias(self, attn, padding, n, length, keys, batched):
        """attn_mask ((L, S) or (N * heads, L, S)) plus key_padding_mask ((N, S), or (S,)
        unbatched) as one additive bias that broadcasts to (N, heads, L, S)."""
        bias = None
        if attn is not None:
            if np.shape(attn) not in ((length, keys), (n * self.num_heads, length, keys)):
                raise ValueError(f"MultiheadAttention: attn_mask of shape {np.shape(attn)} "
                                 f"does not fit: expected ({length}, {keys}) or "
                                 f"({n * self.num_heads}, {length}, {keys})")
            bias = attn if np.ndim(attn) == 2 else attn.reshape(n, self.num_heads, length, keys)
        if padding is not None:
            expected = (n, keys) if batched else (keys,)
            if np.shape(padding) != expected:
                raise ValueError(f"MultiheadAttention: key_padding_mask of shape "
                                 f"{np.shape(padding)} does not fit: expected {expected}, "
                                 f"one entry per key")
            padding = padding.reshape(n, 1, 1, keys)
            bias = padding if bias is None else bias + padding
        return bias

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")


def _pad_key(mask):
    """A mask with one more key column, 0 (attended): for bias_k/bias_v and the zero key."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return cat([mask, np.zeros((*mask.shape[:-1], 1), mask.dtype)], axis=-1)
    return np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])
