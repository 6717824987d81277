"""The ops that random graphs are built from, each written for simplegrad and for PyTorch.

Every node of a random graph has a shape that broadcasts to the graph's base shape, so any two
nodes can meet in a binary op. An op is applicable to given input shapes when `fits` says so,
and gives a node of a shape that again broadcasts to the base shape.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from simplegrad import Tensor, cat, where
from simplegrad.nn import functional as F


@dataclass(frozen=True)
class GraphOp:
    """One op: `ours(*tensors)` and `theirs(torch, *tensors)` compute the same thing."""

    name: str
    arity: int
    ours: Callable
    theirs: Callable
    fits: Callable = lambda *shapes: True


def _nonempty(shape):
    return 0 not in shape


def _has_axes(shape):
    return len(shape) >= 1


def _rows(shape):
    return len(shape) >= 1 and shape[0] >= 1


def _same(a, b):
    return a == b


def _matrix_pair(a, b):
    return a == b and len(a) >= 2


def _repeat_index(n):
    """An index array of length n with repeats ([0, 0, 2] for n = 3): gathers keep the shape."""
    return np.array([i - (i % 2) for i in range(n)], dtype=np.int64)


def _write_ours(a, value):
    h = a * 1.0  # a fresh tensor to write into
    h[0 if a.ndim else ()] = value
    return h


def _write_theirs(torch, a, value):
    h = a * 1.0
    h[0 if a.dim() else ()] = value
    return h


def _write_fits(a, value):
    target = a[1:] if a else ()
    try:
        return np.broadcast_shapes(target, value) == target and (not a or a[0] >= 1)
    except ValueError:
        return False


def _last_index(shape):
    """A repeating index along the last dim, shaped like the node (scatter_add's index)."""
    return np.broadcast_to(_repeat_index(shape[-1]), shape).copy()


def _at_least_2d(shape):
    return len(shape) >= 2


def _cat_ours(a, b):
    c = cat([a, b], axis=0)
    n = a.shape[0]
    return c[:n] * c[n:]


def _cat_theirs(torch, a, b):
    c = torch.cat([a, b], dim=0)
    n = a.shape[0]
    return c[:n] * c[n:]


OPS = [
    # unary, shape-preserving
    GraphOp("neg", 1, lambda a: -a, lambda t, a: -a),
    GraphOp("tanh", 1, lambda a: a.tanh(), lambda t, a: a.tanh()),
    GraphOp("sigmoid", 1, lambda a: a.sigmoid(), lambda t, a: a.sigmoid()),
    GraphOp("exp", 1, lambda a: (a * 0.5).tanh().exp(), lambda t, a: (a * 0.5).tanh().exp()),
    GraphOp("relu", 1, lambda a: a.relu(), lambda t, a: a.relu()),
    GraphOp("abs", 1, lambda a: a.abs(), lambda t, a: a.abs()),
    GraphOp("gelu", 1, lambda a: a.gelu(), lambda t, a: t.nn.functional.gelu(a)),
    GraphOp("leaky_relu", 1, lambda a: a.leaky_relu(0.1),
            lambda t, a: t.nn.functional.leaky_relu(a, 0.1)),
    GraphOp("softplus", 1, lambda a: a.softplus(), lambda t, a: t.nn.functional.softplus(a)),
    GraphOp("clip", 1, lambda a: a.clip(-0.5, 0.5), lambda t, a: a.clamp(-0.5, 0.5)),
    GraphOp("square", 1, lambda a: a * a, lambda t, a: a * a),
    GraphOp("sqrt", 1, lambda a: (a * a + 1.0).sqrt(), lambda t, a: (a * a + 1.0).sqrt()),
    GraphOp("log", 1, lambda a: (a * a + 1.0).log(), lambda t, a: (a * a + 1.0).log()),
    GraphOp("cube", 1, lambda a: a ** 3, lambda t, a: a ** 3),
    # binary, broadcasting
    GraphOp("add", 2, lambda a, b: a + b, lambda t, a, b: a + b),
    GraphOp("sub", 2, lambda a, b: a - b, lambda t, a, b: a - b),
    GraphOp("mul", 2, lambda a, b: a * b, lambda t, a, b: a * b),
    GraphOp("div", 2, lambda a, b: a / (b * b + 1.0), lambda t, a, b: a / (b * b + 1.0)),
    GraphOp("maximum", 2, lambda a, b: a.maximum(b), lambda t, a, b: t.maximum(a, b)),
    GraphOp("minimum", 2, lambda a, b: a.minimum(b), lambda t, a, b: t.minimum(a, b)),
    GraphOp("where", 2, lambda a, b: where(a.data > 0, a, b),
            lambda t, a, b: t.where(a.detach() > 0, a, b)),
    # reductions: one axis kept as size 1, or everything to a 0-d tensor
    GraphOp("sum_keep", 1, lambda a: a.sum(0, keepdims=True),
            lambda t, a: a.sum(0, keepdim=True), _has_axes),
    GraphOp("mean_keep", 1, lambda a: a.mean(-1, keepdims=True),
            lambda t, a: a.mean(-1, keepdim=True), lambda a: _has_axes(a) and _nonempty(a)),
    GraphOp("max_keep", 1, lambda a: a.max(axis=-1, keepdims=True),
            lambda t, a: a.amax(-1, keepdim=True), lambda a: _has_axes(a) and _nonempty(a)),
    GraphOp("var_keep", 1, lambda a: a.var(0, keepdims=True),
            lambda t, a: a.var(0, keepdim=True, correction=0),
            lambda a: _has_axes(a) and _nonempty(a)),
    GraphOp("logsumexp_keep", 1, lambda a: a.logsumexp(-1, keepdims=True),
            lambda t, a: a.logsumexp(-1, keepdim=True), lambda a: _has_axes(a) and _nonempty(a)),
    GraphOp("sum_all", 1, lambda a: a.sum(), lambda t, a: a.sum()),
    GraphOp("mean_all", 1, lambda a: a.mean(), lambda t, a: a.mean(), _nonempty),
    # softmax family along the last axis
    GraphOp("softmax", 1, lambda a: a.softmax(-1), lambda t, a: a.softmax(-1), _has_axes),
    GraphOp("log_softmax", 1, lambda a: a.log_softmax(-1), lambda t, a: a.log_softmax(-1),
            _has_axes),
    # views and movement, composed so the node keeps its shape
    GraphOp("flip", 1, lambda a: a[::-1], lambda t, a: a.flip(0), _has_axes),
    GraphOp("swap_back", 1, lambda a: a.transpose(0, -1).transpose(0, -1),
            lambda t, a: a.transpose(0, -1).transpose(0, -1), _has_axes),
    GraphOp("reshape_back", 1, lambda a: a.reshape(-1).reshape(a.shape),
            lambda t, a: a.reshape(-1).reshape(a.shape)),
    GraphOp("unsqueeze_squeeze", 1, lambda a: a.unsqueeze(0).squeeze(0),
            lambda t, a: a.unsqueeze(0).squeeze(0)),
    GraphOp("gather", 1, lambda a: a[..., _repeat_index(a.shape[-1])],
            lambda t, a: a[..., t.as_tensor(_repeat_index(a.shape[-1]))], _has_axes),
    GraphOp("cat_halves", 2, _cat_ours, _cat_theirs, lambda a, b: _same(a, b) and _has_axes(a)),
    GraphOp("matmul_chain", 2, lambda a, b: (a @ b.swapaxes(-1, -2)) @ a,
            lambda t, a, b: (a @ b.transpose(-1, -2)) @ a, _matrix_pair),
    # the PyTorch-style surface, each keeping the node's shape
    GraphOp("sin", 1, lambda a: a.sin(), lambda t, a: a.sin()),
    GraphOp("atan", 1, lambda a: a.atan(), lambda t, a: a.atan()),
    GraphOp("erf", 1, lambda a: a.erf(), lambda t, a: a.erf()),
    GraphOp("log1p", 1, lambda a: (a * a).log1p(), lambda t, a: (a * a).log1p()),
    GraphOp("logaddexp", 2, lambda a, b: a.logaddexp(b), lambda t, a, b: a.logaddexp(b)),
    GraphOp("lerp", 2, lambda a, b: a.lerp(b, 0.3), lambda t, a, b: a.lerp(b, 0.3)),
    GraphOp("clamp_min", 2, lambda a, b: a.clamp(min=b), lambda t, a, b: a.clamp(min=b)),
    GraphOp("cumsum", 1, lambda a: a.cumsum(-1), lambda t, a: a.cumsum(-1), _has_axes),
    GraphOp("cumprod", 1, lambda a: a.tanh().cumprod(0), lambda t, a: a.tanh().cumprod(0),
            _has_axes),
    GraphOp("logcumsumexp", 1, lambda a: a.logcumsumexp(-1), lambda t, a: a.logcumsumexp(-1),
            _has_axes),
    GraphOp("flip_last", 1, lambda a: a.flip(-1), lambda t, a: a.flip(-1), _has_axes),
    GraphOp("roll", 1, lambda a: a.roll(1, -1), lambda t, a: a.roll(1, -1), _has_axes),
    GraphOp("tril", 1, lambda a: a.tril(), lambda t, a: a.tril(), _at_least_2d),
    GraphOp("std_keep", 1, lambda a: a.std(dim=-1, keepdim=True, correction=0),
            lambda t, a: a.std(dim=-1, keepdim=True, correction=0),
            lambda a: _has_axes(a) and _nonempty(a)),
    GraphOp("norm_keep", 1, lambda a: a.norm(dim=-1, keepdim=True),
            lambda t, a: a.norm(dim=-1, keepdim=True), _has_axes),
    GraphOp("prod_keep", 1, lambda a: a.prod(dim=0, keepdim=True),
            lambda t, a: a.prod(dim=0, keepdim=True), _has_axes),
    GraphOp("pad_crop", 1, lambda a: F.pad(a, (1, 2), value=0.5)[..., 1:-2],
            lambda t, a: t.nn.functional.pad(a, (1, 2), value=0.5)[..., 1:-2], _has_axes),
    GraphOp("expand_sum", 1, lambda a: a.expand(2, *a.shape).sum(0),
            lambda t, a: a.expand(2, *a.shape).sum(0)),
    GraphOp("scatter_add", 1, lambda a: a.scatter_add(-1, _last_index(a.shape), a * 2),
            lambda t, a: a.scatter_add(-1, t.as_tensor(_last_index(tuple(a.shape))), a * 2),
            _has_axes),
    GraphOp("masked_fill", 1, lambda a: a.masked_fill(a.data > 0, 0.5),
            lambda t, a: a.masked_fill(a.detach() > 0, 0.5)),
    # an in-place write into a fresh copy: h = a * 1; h[0] = value
    GraphOp("write", 2, _write_ours, _write_theirs, _write_fits),
    # a loss on the node itself
    GraphOp("bce_logits", 1,
            lambda a: F.binary_cross_entropy_with_logits(a, Tensor(np.full(a.shape, 0.25),
                                                                    dtype=np.float64)),
            lambda t, a: t.nn.functional.binary_cross_entropy_with_logits(
                a, t.full(a.shape, 0.25, dtype=t.float64)), _nonempty),
]

BY_NAME = {op.name: op for op in OPS}
