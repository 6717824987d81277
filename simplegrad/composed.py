"""The parts of the Tensor API composed from other ops where one line is not enough: sorting
and selection (NumPy finds the indices, a differentiable gather picks the values), splitting,
windows, triangles and diagonals, repeats and rolls, casts, and PyTorch's argument forms.

Every function takes the tensor first; `tensor.py` exposes each as a one-line method.
"""
import math
from collections import namedtuple

import numpy as np

from simplegrad import devices as _device
from simplegrad import dtypes
from simplegrad.ops import axis_alias
from simplegrad.ops.cast import Cast, Expand
from simplegrad.ops.dims import dim as _dim
from simplegrad.ops.dims import dims as _dims
from simplegrad.ops.elementwise import Maximum, Minimum, Where
from simplegrad.ops.index import Gather
from simplegrad.ops.pad import Pad, pairs
from simplegrad.ops.reduce import Max, Min, Norm, Var

values_indices = namedtuple("values_indices", ["values", "indices"])
values_indices.__doc__ = ("(values, indices), as PyTorch's max/min/sort/topk/... return "
                          "(torch.return_types)")


def _constant(x, array):
    """A tensor outside the graph, like x's class makes (an index, a mask)."""
    return x._make(np.asarray(array), False, None)


def _indices(x, positions, dim):
    """(values, indices): x gathered at integer `positions` along dim (differentiable)."""
    positions = positions.astype(np.int64, copy=False)
    return values_indices(Gather.apply(x, positions, dim=dim), _constant(x, positions))


# ---- casts and devices -----------------------------------------------------------------

def to(x, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """x.to(dtype), x.to("cpu"), x.to(other_tensor), x.to(device, dtype): the device is checked
    (CPU only); a new dtype is a cast that keeps the graph (float targets) or leaves it."""
    for arg in args:
        if isinstance(arg, type(x)) or hasattr(arg, "grad_fn"):
            dtype = arg.dtype
        elif _device.is_device(arg):
            device = arg
        else:
            dtype = arg
    _device.check(device)
    return cast(x, dtypes.resolve(dtype, x.dtype), copy)


def cast(x, dtype, copy=False):
    """x as `dtype`: itself when nothing changes; a differentiable cast to a float dtype; a
    non-differentiable one to integers and booleans (as PyTorch: they cannot carry gradients)."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype and not copy:
        return x
    source = x if dtype.kind == "f" else x.detach()
    return Cast.apply(source, dtype=dtype, copy=copy)


def new(x, array):
    """A new leaf tensor holding `array` in x's dtype (x.new_zeros and friends)."""
    return x._make(np.asarray(array, dtype=x.dtype), False, None)


def contiguous(x):
    """x when its array is C-contiguous and writable (the usual case: a no-op), else a copy."""
    flags = x.data.flags
    return x if flags.c_contiguous and flags.writeable else cast(x, x.dtype, copy=True)


# ---- reductions ------------------------------------------------------------------------

def degrees_of_freedom(ddof=None, correction=None, unbiased=None):
    """var/std's degrees of freedom from NumPy's `ddof` or PyTorch's `correction`/`unbiased`
    (at most one); 0 (the population variance) when none is given."""
    given = [v for v in (ddof, correction, unbiased) if v is not None]
    if len(given) > 1:
        raise ValueError("give one of ddof, correction and unbiased")
    if unbiased is not None:
        return int(bool(unbiased))
    return given[0] if given else 0


def var(x, axis, keepdims, dof, dim, keepdim, root=False):
    """The variance (root=True: the standard deviation) with `dof` degrees of freedom removed
    (see `degrees_of_freedom`)."""
    return Var.apply(x, axis=axis_alias(axis, dim), ddof=dof,
                     keepdims=keepdims if keepdim is None else keepdim, root=root)


def extreme(x, largest, dim, keepdim, axis, keepdims):
    """max/min in PyTorch's and NumPy's spellings: no dim, the value (ties share the
    gradient); `dim` an int, (values, indices); `axis=`, values only (np.max, torch.amax);
    a tensor, the elementwise maximum/minimum."""
    name = "max" if largest else "min"
    if hasattr(dim, "grad_fn"):
        return (Maximum if largest else Minimum).apply(x, dim)
    if dim is None or axis is not None:
        reduce = Max if largest else Min
        return reduce.apply(x, axis=axis_alias(axis, dim), keepdims=keepdims or bool(keepdim))
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(dim=...) takes one dim and returns (values, indices); for "
                        f"several use {name}(axis={dim}) or a{name}(dim={dim})")
    d = _dim(dim, x.ndim, name)
    one = _at_least_1d(x)
    pick = np.argmax if largest else np.argmin
    return _reduced(x, _indices(one, pick(one.data, axis=d, keepdims=True), d), d, keepdim)


def _at_least_1d(x):
    """x, or a 0-d x as shape (1,): dim 0 of a 0-d tensor is its one element, as in PyTorch."""
    return x if x.ndim else x.reshape(1)


def _reduced(x, result, d, keepdim):
    """(values, indices) that kept dim d as size 1: dropped unless keepdim, 0-d for 0-d x."""
    if not x.ndim:
        return values_indices(*(t.reshape(()) for t in result))
    return result if keepdim else values_indices(*(t.squeeze(d) for t in result))


def sort(x, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim, stably (equal values keep their order; NaN is the
    largest value, as in PyTorch)."""
    if not x.ndim:
        return values_indices(x * 1, _constant(x, np.zeros((), np.int64)))
    d = _dim(dim, x.ndim, "sort")
    if descending:  # a stable descending order: reverse, sort stably, reverse back
        n = x.shape[d]
        order = np.flip(np.argsort(np.flip(x.data, d), axis=d, kind="stable"), d)
        return _indices(x, n - 1 - order, d)
    return _indices(x, np.argsort(x.data, axis=d, kind="stable"), d)


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002  (PyTorch's argument)
    """The k largest (or smallest) values along dim and their indices, in order."""
    d = _dim(dim, x.ndim, "topk")
    one = _at_least_1d(x)
    if not 0 <= k <= one.shape[d]:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of shape {x.shape}")
    ordered = sort(one, d, descending=largest).indices.data
    result = _indices(one, np.take(ordered, np.arange(k), axis=d), d)
    return values_indices(*(t.reshape(()) for t in result)) if not x.ndim and k else result


def median(x, dim=None, keepdim=False):
    """The lower median (element (n - 1) // 2 in sorted order, as PyTorch): of all elements
    without dim, else (values, indices) along dim. The gradient goes to that element."""
    if dim is None:
        flat = x.reshape(-1)
        return median(flat, 0).values if flat.shape[0] else flat.sum() * np.nan
    d = _dim(dim, x.ndim, "median")
    one = _at_least_1d(x)
    order = np.argsort(one.data, axis=d, kind="stable")
    middle = np.take(order, [(one.shape[d] - 1) // 2], axis=d)
    return _reduced(x, _indices(one, middle, d), d, keepdim)


def cumulative_extreme(x, dim, largest):
    """cummax/cummin: (running max/min, the index where it was last reached) along dim; the
    gradient goes to that element (ties: the latest, as in PyTorch)."""
    d = _dim(dim, x.ndim, "cummax" if largest else "cummin")
    one = _at_least_1d(x)
    running = (np.maximum if largest else np.minimum).accumulate(one.data, axis=d)
    position = np.arange(one.shape[d]).reshape([-1 if i == d else 1 for i in range(one.ndim)])
    reached = np.where((one.data == running) | np.isnan(one.data), position, 0)
    result = _indices(one, np.maximum.accumulate(reached, axis=d), d)
    return values_indices(*(t.reshape(*x.shape) for t in result))


def dims_of(x, axis):
    """`axis` (None, an int or several) checked against x, as a tuple of axes."""
    return _dims(axis, x.ndim, "reduce")


def norm(x, p="fro", dim=None, keepdim=False):
    """The vector p-norm of all elements or along dim ("fro" is 2; matrix norms are not
    available)."""
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not available; use a number, inf or 'fro'")
    return Norm.apply(x, p=p, axis=dim, keepdims=keepdim)


# ---- shape -----------------------------------------------------------------------------

def sizes(args):
    """Sizes given as f(2, 3) or f((2, 3)) or f([2, 3])."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def expand(x, shape):
    """x broadcast to `shape` without copying; -1 keeps a size; new dims go in front."""
    if len(shape) < x.ndim:
        raise ValueError(f"expand: shape {shape} has fewer dims than the tensor's {x.shape}")
    own = (None,) * (len(shape) - x.ndim) + x.shape
    full = tuple(n if size == -1 and n is not None else size for size, n in zip(shape, own))
    return Expand.apply(x, shape=full)


def repeat(x, reps):
    """x tiled `reps` times along each dim (torch.repeat, np.tile): a view expanded, then one
    reshape, so the gradient of each copy is summed back."""
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: {len(reps)} repeat counts for a tensor with {x.ndim} dims; "
                         f"give at least one per dim")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    spread = [n for size in shape for n in (1, size)]
    tiled = [n for rep, size in zip(reps, shape) for n in (rep, size)]
    out = (rep * size for rep, size in zip(reps, shape))
    return expand(x.reshape(*spread), tuple(tiled)).reshape(*out)


def repeat_interleave(x, repeats, dim=None):
    """Each element (or slice along dim) repeated `repeats` times (an int or one count per
    element); without dim the tensor is flattened first."""
    if dim is None:
        x, dim = x.reshape(-1), 0
    d = _dim(dim, x.ndim, "repeat_interleave")
    repeats = np.asarray(getattr(repeats, "data", repeats))
    return index_select(x, d, np.repeat(np.arange(x.shape[d]), repeats))


def index_select(x, dim, index):
    """The slices of x at integer `index` (1-D) along dim; repeated indices add gradients."""
    index = np.asarray(getattr(index, "data", index))
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise ValueError(f"index_select: index must be a 1-D integer tensor, got shape "
                         f"{index.shape} and dtype {index.dtype}")
    return x[(slice(None),) * _dim(dim, x.ndim, "index_select") + (index.reshape(-1),)]


def roll(x, shifts, dims=None):
    """Shift elements along dims, wrapping around; without dims the flattened tensor rolls."""
    if dims is None:
        return roll(x.reshape(-1), shifts, 0).reshape(*x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    for shift, d in zip(shifts, dims):
        n = x.shape[_dim(d, x.ndim, "roll")]
        x = index_select(x, d, (np.arange(n) - shift) % max(n, 1))
    return x


def flip(x, dims):
    """x reversed along `dims` (a view: basic indexing)."""
    flipped = _dims(dims, x.ndim, "flip")
    return x[tuple(slice(None, None, -1) if i in flipped else slice(None)
                   for i in range(x.ndim))]


def movedim(x, source, destination):
    """Move dims `source` to positions `destination` (ints or sequences), keeping the order
    of the others (np.moveaxis)."""
    source = [source] if isinstance(source, (int, np.integer)) else list(source)
    destination = [destination] if isinstance(destination, (int, np.integer)) else \
        list(destination)
    if len(source) != len(destination):
        raise ValueError(f"movedim: {len(source)} source dims but {len(destination)} "
                         f"destinations")
    src = [_dim(s, x.ndim, "movedim") for s in source]
    dst = [_dim(s, x.ndim, "movedim") for s in destination]
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute(*order) if x.ndim else x


def split(x, size_or_sections, dim=0):
    """Pieces of `size` along dim (the last may be smaller), or of the listed sizes."""
    d = _dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(size_or_sections, (int, np.integer)):
        if size_or_sections <= 0:
            raise ValueError(f"split: size must be positive, got {size_or_sections}")
        bounds = list(range(0, n, size_or_sections)) + [n]
        if n == 0:
            bounds = [0, 0]
    else:
        bounds = np.concatenate([[0], np.cumsum(size_or_sections)]).astype(int).tolist()
        if bounds[-1] != n:
            raise ValueError(f"split: sizes {list(size_or_sections)} add up to {bounds[-1]}, "
                             f"not the size {n} of dim {dim}")
    lead = (slice(None),) * d
    return tuple(x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))


def chunk(x, chunks, dim=0):
    """At most `chunks` pieces of equal size ceil(n / chunks) along dim (the last smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    n = x.shape[_dim(dim, x.ndim, "chunk")]
    return split(x, max(math.ceil(n / chunks), 1), dim)


def unbind(x, dim=0):
    """The slices along dim, each without that dim."""
    return tuple(select(x, dim, i) for i in range(x.shape[_dim(dim, x.ndim, "unbind")]))


def select(x, dim, index):
    """The slice at `index` along dim, without that dim."""
    return x[(slice(None),) * _dim(dim, x.ndim, "select") + (index,)]


def narrow(x, dim, start, length):
    """`length` slices along dim from `start` (a view)."""
    d = _dim(dim, x.ndim, "narrow")
    start = start + x.shape[d] if start < 0 else start
    if not 0 <= start <= start + length <= x.shape[d]:
        raise ValueError(f"narrow: {length} slices from {start} do not fit dim {dim} of size "
                         f"{x.shape[d]}")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def nonzero(x, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or one per dim (a 0-d
    tensor counts as one element with no dims, as in PyTorch)."""
    where = np.nonzero(x.data) if x.ndim else (np.zeros(int(bool(x.data)), np.int64),)
    if as_tuple:
        return tuple(_constant(x, w.astype(np.int64)) for w in where)
    if not x.ndim:
        return _constant(x, np.zeros((len(where[0]), 0), np.int64))
    return _constant(x, np.stack(where, axis=-1).astype(np.int64))


def unflatten(x, dim, shape):
    """Split dim into `shape` (one entry may be -1)."""
    d = _dim(dim, x.ndim, "unflatten")
    return x.reshape(*x.shape[:d], *shape, *x.shape[d + 1:])


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a 0-d tensor becomes shape (1,))."""
    if not x.ndim:
        return x.reshape(1)
    start, end = _dim(start_dim, x.ndim, "flatten"), _dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return x.reshape(*x.shape[:start], math.prod(x.shape[start:end + 1]), *x.shape[end + 1:])


def unfold(x, dimension, size, step):
    """Every window of `size` elements, `step` apart, along dimension: that dim becomes the
    window count and a new last dim of `size` holds each window (torch.Tensor.unfold)."""
    d = _dim(dimension, x.ndim, "unfold") if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if size > n or size < 0 or step <= 0:
        raise ValueError(f"unfold: windows of size {size} with step {step} do not fit dim "
                         f"{dimension} of size {n}")
    count = (n - size) // step + 1
    picks = (np.arange(count)[:, None] * step + np.arange(size)).reshape(-1)
    if not x.ndim:
        return x.reshape(1)[picks] if size else x.reshape(1)[:0]
    windows = index_select(x, d, picks).reshape(*x.shape[:d], count, size, *x.shape[d + 1:])
    return movedim(windows, d + 1, -1)


def triangle(x, diagonal, lower):
    """The lower (tril) or upper (triu) triangle of the last two dims, zero elsewhere."""
    if x.ndim < 2:
        raise ValueError(f"{'tril' if lower else 'triu'}: needs at least 2 dims, got {x.shape}")
    rows, cols = x.shape[-2:]
    below = np.tri(rows, cols, diagonal if lower else diagonal - 1, dtype=bool)
    return Where.apply(below if lower else ~below, x, 0)


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal of dims dim1 and dim2 (offset above it for > 0), as a new last dim."""
    d1, d2 = _dim(dim1, x.ndim, "diagonal"), _dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 are the same dim ({dim1}, {dim2})")
    y = movedim(x, (d1, d2), (-2, -1))
    rows, cols = y.shape[-2:]
    i = np.arange(max(0, -offset), max(0, min(rows, cols - offset)))
    return y[..., i, i + offset]


def diag(x, diagonal=0):
    """A 1-D tensor as a square matrix with it on the `diagonal`; a 2-D tensor's diagonal."""
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")
    n, k = x.shape[0], abs(diagonal)
    square = Where.apply(np.eye(n, dtype=bool), x.reshape(n, 1), 0)
    return pad(square, (k, 0, 0, k) if diagonal > 0 else (0, k, k, 0))


def pad(x, amounts, mode="constant", value=None):
    """torch.nn.functional.pad: (left, right) pairs from the last dim backwards; negative
    amounts crop; modes constant (value, default 0), reflect, replicate, circular."""
    widths = pairs(tuple(amounts), x.ndim, mode)
    return Pad.apply(x, amounts=widths, mode=mode, value=0 if value is None else value)


def masked_select(x, mask):
    """The elements of x where the (broadcast) boolean mask is true, as a 1-D tensor."""
    mask = np.asarray(getattr(mask, "data", mask), dtype=bool)
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return expand(x, shape)[np.broadcast_to(mask, shape)]


def meshgrid(tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors: output i varies along dim i ("ij", the default) or
    with the first two dims swapped ("xy", NumPy's default)."""
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    shape = [t.reshape(-1).shape[0] for t in tensors]
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        shape[0], shape[1] = shape[1], shape[0]
        axes[0], axes[1] = 1, 0
    return tuple(expand(t.reshape(*[-1 if i == axis else 1 for i in range(len(shape))]),
                        tuple(shape)) for t, axis in zip(tensors, axes))


def one_hot(indices, num_classes=-1):
    """int64 one-hot rows (an ndarray) for integer class indices of any shape: a new last dim
    of size num_classes (-1: the largest index + 1), as torch.nn.functional.one_hot."""
    labels = np.asarray(getattr(indices, "data", indices))
    if labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: expected integer class indices, got dtype {labels.dtype}")
    if num_classes == -1:
        if not labels.size:
            raise ValueError("one_hot: give num_classes for an empty tensor")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: class indices must be in [0, {num_classes}), got values "
                         f"from {labels.min()} to {labels.max()}")
    return (labels[..., None] == np.arange(num_classes)).astype(np.int64)
