"""Indexing along one dim with an index tensor: gather and the scatter family (PyTorch's
semantics: the index has the input's number of dims; along the other dims it may be smaller).

Both turn (index, dim) into a full NumPy coordinate tuple once (`_coordinates`): element
[i, j, k] of the index addresses [i, index[i, j, k], k] of the array along dim 1. Gathering is
then `a[coords]` and scattering `np.add.at(out, coords, ...)`, whose repeated coordinates add up.
"""
import numpy as np

from simplegrad.autograd import Function, OpError
from simplegrad.ops.dims import dim as _dim

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _coordinates(op, shape, index, dim):
    """Check `index` against an array of `shape` and return the coordinates it addresses."""
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise OpError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    ndim = len(shape)
    dim = _dim(dim, ndim, op)
    if index.ndim != ndim and not (index.ndim <= 1 and ndim <= 1):
        raise OpError(f"{op}: index has {index.ndim} dims, the input has {ndim}; they must "
                      f"have the same number")
    shape, index = shape or (1,), index.reshape(index.shape or (1,))
    small = [d for d in range(len(shape)) if d != dim and index.shape[d] > shape[d]]
    if small:
        raise OpError(f"{op}: index of shape {index.shape} is larger than the input of shape "
                      f"{shape} along dim {small[0]} (only dim {dim} may differ)")
    if index.size and (index.min() < -shape[dim] or index.max() >= shape[dim]):
        raise IndexError(f"{op}: index {index.max() if index.max() >= shape[dim] else index.min()}"
                         f" is out of bounds for dim {dim} of size {shape[dim]}")
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[dim] = index % shape[dim] if index.size else index
    return tuple(grid)


def _values(src, index_shape, dtype):
    """The source values a scatter writes: a number, or src cut to the index's shape."""
    src = np.asarray(src, dtype=dtype)
    if src.ndim == 0:
        return np.broadcast_to(src, index_shape)
    src = src.reshape(src.shape or (1,))
    if src.ndim != len(index_shape) or any(s < i for s, i in zip(src.shape, index_shape)):
        raise OpError(f"scatter: src of shape {src.shape} is smaller than the index of shape "
                      f"{index_shape}")
    return src[tuple(slice(n) for n in index_shape)]


def _identity(reduce, dtype):
    """The value that leaves a reduction unchanged: where include_self=False starts."""
    if reduce not in ("amax", "amin"):
        return 1 if reduce == "prod" else 0
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    low, high = (-np.inf, np.inf) if info is None else (info.min, info.max)
    return low if reduce == "amax" else high


def _sum_at(coords, shape, dtype, values):
    """Per-position sums of `values` scattered to `coords` (zeros where nothing lands)."""
    total = np.zeros(shape, dtype=dtype)
    np.add.at(total, coords, values)
    return total


class Gather(Function):
    """out[i][j][k] = a[i][index[i][j][k]][k] along dim 1 (any dim): torch.gather. Repeated
    indices add their gradients."""

    @staticmethod
    def forward(ctx, a, index, dim=0):
        ctx.coords, ctx.shape = _coordinates("gather", a.shape, index, dim), a.shape
        return a.reshape(a.shape or (1,))[ctx.coords].reshape(np.shape(index))

    @staticmethod
    def backward(ctx, grad):
        return _sum_at(ctx.coords, ctx.shape or (1,), grad.dtype,
                       grad.reshape(grad.shape or (1,))).reshape(ctx.shape), None


class Scatter(Function):
    """A copy of a with src's values written at the positions the index addresses along `dim`:
    torch.scatter (reduce=None: the last write wins), scatter_add ("sum") and scatter_reduce
    ("sum", "prod", "mean", "amax", "amin"; include_self=False leaves a's values out wherever
    something is written). Gradients as in PyTorch: amax/amin share among tied contributors,
    prod is the product of the other contributors (exact with zeros)."""

    @staticmethod
    def forward(ctx, a, index, src, dim=0, reduce=None, include_self=True):
        if reduce is not None and reduce not in _REDUCTIONS:
            raise OpError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCTIONS)}, "
                          f"got {reduce!r}")
        ctx.shape, shape = a.shape, a.shape or (1,)
        ctx.src_shape = np.shape(src)
        coords = _coordinates("scatter", a.shape, index, dim)
        src = _values(src, np.shape(index) or (1,), a.dtype)
        out = a.reshape(shape).copy()
        ctx.coords, ctx.reduce = coords, reduce
        ctx.keep_self = include_self and reduce is not None
        ctx.hit = hit = _sum_at(coords, shape, np.int64, 1) > 0
        if reduce is None:
            out[coords] = src
        else:
            if not include_self:
                out[hit] = _identity(reduce, out.dtype)
            {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
             "amin": np.minimum}[reduce].at(out, coords, src)
            if reduce == "mean":
                ctx.count = np.maximum(_sum_at(coords, shape, np.int64, 1) + ctx.keep_self, 1)
                out[hit] = out[hit] / ctx.count[hit]
        ctx.save_for_backward(a.reshape(shape), src, out)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):
        a, src, out = ctx.saved_tensors
        coords, hit, keep_self = ctx.coords, ctx.hit, ctx.keep_self
        grad = grad.reshape(a.shape)
        grad_a = np.where(hit & ~keep_self, 0, grad)
        grad_src = grad[coords]
        if ctx.reduce == "mean":
            grad_a = np.where(hit, grad_a / ctx.count, grad_a)
            grad_src = grad_src / ctx.count[coords]
        elif ctx.reduce in ("amax", "amin"):
            self_won = (a == out) & keep_self
            src_won = src == out[coords]
            ties = np.maximum(_sum_at(coords, a.shape, grad.dtype, src_won) + self_won, 1)
            grad_a = np.where(hit, np.where(self_won, grad / ties, 0), grad)
            grad_src = np.where(src_won, grad_src / ties[coords], 0)
        elif ctx.reduce == "prod":
            grad_a, grad_src = _prod_grads(a, src, coords, hit, keep_self, grad)
        return grad_a.reshape(ctx.shape), None, _full_src(grad_src, ctx.src_shape)


def _full_src(grad_src, src_shape):
    """The gradient of src, whose shape may exceed the index's: zero where src was not read."""
    if len(src_shape) != grad_src.ndim or src_shape == grad_src.shape:
        return grad_src  # the same shape, or a 0-d src that the engine sums back to
    full = np.zeros(src_shape, dtype=grad_src.dtype)
    full[tuple(slice(n) for n in grad_src.shape)] = grad_src
    return full


def _prod_grads(a, src, coords, hit, keep_self, grad):
    """Gradients of a product scattered from src (and a, when kept): each contributor gets the
    product of the others, computed without dividing by zero."""
    zeros = _sum_at(coords, a.shape, np.int64, src == 0) + (keep_self & (a == 0))
    nonzero = np.where(keep_self & (a != 0), a, 1).astype(grad.dtype)
    np.multiply.at(nonzero, coords, np.where(src == 0, 1, src))

    def others(value, zero_count, nonzero_product):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(value == 0, np.where(zero_count == 1, nonzero_product, 0),
                            np.where(zero_count == 0, nonzero_product / value, 0))

    grad_a = np.where(hit, np.where(keep_self, grad * others(a, zeros, nonzero), 0), grad)
    grad_src = grad[coords] * others(src, zeros[coords], nonzero[coords])
    return grad_a, grad_src
