"""The composed half of the Tensor API: methods built from other ops, one line each.

`Tensor` (tensor.py) inherits them; tensor.py holds the methods that apply a primitive op.
What needs more than a line lives in `simplegrad/py`.
"""
import functools

import numpy as np

from simplegrad import composed
from simplegrad.devices import CPU
from simplegrad.ops.elementwise import Where


def _shape(args):
    """Sizes given as f(2, 3) or f((2, 3))."""
    return composed.sizes(args)


def _logic(ufunc, x, *other):
    """A boolean (or integer, for ~ on integers) tensor outside the graph."""
    return x._make(np.asarray(ufunc(x.data, *(getattr(o, "data", o) for o in other))), False,
                   None)


def _mask(mask):
    return np.asarray(getattr(mask, "data", mask), dtype=bool)


def _reduce_logic(ufunc, x, axis, keepdims, dim, keepdim):
    """any/all over dims: a boolean tensor."""
    axes = composed.dims_of(x, axis if dim is None else dim)
    keep = keepdims if keepdim is None else keepdim
    return x._make(np.asarray(ufunc(x.data, axis=axes, keepdims=keep)), False, None)


def _mean_args(args, kwargs):
    """The axis/dim and keepdim arguments of var(...) for the mean of var_mean."""
    axis = args[0] if args else kwargs.get("axis", kwargs.get("dim"))
    keep = args[1] if len(args) > 1 else kwargs.get("keepdims", kwargs.get("keepdim", False))
    return axis, keep


class ComposedMethods:
    """Tensor methods composed from other ops (a mixin of Tensor; it holds no data)."""

    __slots__ = ()
    device = property(lambda self: CPU, doc="Always the CPU (simplegrad runs on NumPy).")
    mT = property(lambda self: self.swapaxes(-2, -1), doc="The last two dims swapped.")

    def numel(self): "The number of elements."; return self.data.size
    def dim(self): "The number of dims (PyTorch's ndim)."; return self.data.ndim
    def tolist(self): "The values as nested Python lists."; return self.data.tolist()
    def is_floating_point(self): "True for float dtypes."; return self.data.dtype.kind == "f"

    # ---- dtype and device: a cast to a float dtype keeps the graph ----------------------
    def type_as(self, other): "Cast to other's dtype."; return composed.cast(self, other.dtype)
    def double(self): "Cast to float64."; return composed.cast(self, np.float64)
    def half(self): "Cast to float16."; return composed.cast(self, np.float16)
    def long(self): "Cast to int64 (no gradient)."; return composed.cast(self, np.int64)
    def clone(self): "A copy, in the graph."; return composed.cast(self, self.dtype, True)
    def contiguous(self): "self, or a C-contiguous copy."; return composed.contiguous(self)
    def cpu(self): "self: the data is on the CPU."; return self
    def cuda(self, *args, **kwargs): "Refused: CPU only."; return composed.to(self, "cuda")

    def to(self, *args, **kwargs):
        """to(dtype), to("cpu"), to(other_tensor), to("cpu", dtype): a cast (to a float dtype,
        in the graph); the device must be the CPU."""
        return composed.to(self, *args, **kwargs)

    def new_tensor(self, data):
        """A new tensor of data in this tensor's dtype."""
        return composed.new(self, np.asarray(data))

    def new_zeros(self, *size):
        """Zeros of `size` in this tensor's dtype."""
        return composed.new(self, np.zeros(_shape(size)))

    def new_ones(self, *size):
        """Ones of `size` in this tensor's dtype."""
        return composed.new(self, np.ones(_shape(size)))

    def new_full(self, size, fill_value):
        """fill_value in `size`, in this tensor's dtype."""
        return composed.new(self, np.full(size, fill_value))

    # ---- comparisons and logic (boolean tensors, outside the graph) ---------------------
    def isnan(self): "Where the value is NaN."; return _logic(np.isnan, self)
    def isinf(self): "Where the value is +-inf."; return _logic(np.isinf, self)
    def isfinite(self): "Where the value is finite."; return _logic(np.isfinite, self)
    def logical_not(self): "not self (nonzero is true)."; return _logic(np.logical_not, self)
    def logical_and(self, other): "self and other."; return _logic(np.logical_and, self, other)
    def logical_or(self, other): "self or other."; return _logic(np.logical_or, self, other)
    def logical_xor(self, other): "self xor other."; return _logic(np.logical_xor, self, other)
    def __invert__(self): return _logic(np.invert, self)
    def __and__(self, other): return _logic(np.bitwise_and, self, other)
    def __or__(self, other): return _logic(np.bitwise_or, self, other)
    def __xor__(self, other): return _logic(np.bitwise_xor, self, other)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Where |self - other| <= atol + rtol * |other|."""
        close = functools.partial(np.isclose, rtol=rtol, atol=atol, equal_nan=equal_nan)
        return _logic(close, self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when isclose holds everywhere (a Python bool)."""
        return bool(self.isclose(other, rtol, atol, equal_nan).data.all())

    def equal(self, other):
        """True when other has the same shape and values (a Python bool)."""
        return self.shape == np.shape(other) and bool(np.all(self.data == np.asarray(other)))

    # ---- reductions with PyTorch's (values, indices) and arguments ---------------------
    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """The largest value; max(dim) (PyTorch): (values, indices); max(axis=a) (NumPy): the
        values only; max(tensor): the elementwise maximum. Ties share the gradient, as amax."""
        return composed.extreme(self, True, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        """The smallest value; min(dim): (values, indices); min(axis=a): values only."""
        return composed.extreme(self, False, dim, keepdim, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=None, *, dim=None, keepdim=None,
            correction=None, unbiased=None):
        """Variance over `axis`: population (ddof=0, NumPy) unless ddof, correction or
        unbiased=True (PyTorch's default) says otherwise."""
        dof = composed.degrees_of_freedom(ddof, correction, unbiased)
        return composed.var(self, axis, keepdims, dof, dim, keepdim)

    def std(self, axis=None, keepdims=False, ddof=None, *, dim=None, keepdim=None,
            correction=None, unbiased=None):
        """Standard deviation: sqrt of var with the same arguments (population by default)."""
        dof = composed.degrees_of_freedom(ddof, correction, unbiased)
        return composed.var(self, axis, keepdims, dof, dim, keepdim, root=True)

    def var_mean(self, *args, **kwargs):
        """(var, mean), both with var's arguments."""
        return self.var(*args, **kwargs), self.mean(*_mean_args(args, kwargs))

    def std_mean(self, *args, **kwargs):
        """(std, mean), both with std's arguments."""
        return self.std(*args, **kwargs), self.mean(*_mean_args(args, kwargs))

    def norm(self, p="fro", dim=None, keepdim=False):
        """The vector p-norm (2, 1, inf, -inf, 0 or any p) of all elements or over dim."""
        return composed.norm(self, p, dim, keepdim)

    def any(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Whether any element is nonzero (over `axis`): a boolean tensor."""
        return _reduce_logic(np.any, self, axis, keepdims, dim, keepdim)

    def all(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Whether every element is nonzero (over `axis`): a boolean tensor."""
        return _reduce_logic(np.all, self, axis, keepdims, dim, keepdim)

    # ---- sorting and selection: NumPy finds the indices, a gather takes the values ------
    def cummax(self, dim):
        """(running max along dim, the index where it was reached)."""
        return composed.cumulative_extreme(self, dim, True)

    def cummin(self, dim):
        """(running min along dim, the index where it was reached)."""
        return composed.cumulative_extreme(self, dim, False)

    def median(self, dim=None, keepdim=False):
        """The lower median of all elements, or (values, indices) along dim."""
        return composed.median(self, dim, keepdim)

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along dim (stable; NaN counts as the largest)."""
        return composed.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort along dim."""
        return composed.sort(self, dim, descending, stable).indices

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002  (PyTorch's name)
        """(values, indices) of the k largest (or smallest) along dim, in order."""
        return composed.topk(self, k, dim, largest, sorted)

    # ---- shape -------------------------------------------------------------------------
    def view_as(self, other): "Reshaped to other's shape."; return self.reshape(other.shape)
    def expand(self, *sizes): "A broadcast view."; return composed.expand(self, _shape(sizes))
    def expand_as(self, other): "expand(other.shape)."; return composed.expand(self, other.shape)
    def repeat(self, *sizes): "Tiled (np.tile)."; return composed.repeat(self, _shape(sizes))
    def flip(self, *dims): "Reversed along dims."; return composed.flip(self, _shape(dims))
    def unbind(self, dim=0): "The slices along dim."; return composed.unbind(self, dim)
    def tril(self, diagonal=0): "Lower triangle."; return composed.triangle(self, diagonal, True)
    def triu(self, diagonal=0): "Upper triangle."; return composed.triangle(self, diagonal, False)

    def movedim(self, source, destination):
        """Move dims to new positions, the others keeping their order (np.moveaxis)."""
        return composed.movedim(self, source, destination)

    moveaxis = movedim

    def roll(self, shifts, dims=None):
        """Shift along dims, wrapping around (without dims: the flattened tensor)."""
        return composed.roll(self, shifts, dims)

    def split(self, split_size_or_sections, dim=0):
        """Pieces of that size along dim (the last may be smaller), or of the listed sizes."""
        return composed.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        """At most `chunks` pieces of equal size along dim."""
        return composed.chunk(self, chunks, dim)

    def select(self, dim, index):
        """The slice at `index` along dim, without that dim."""
        return composed.select(self, dim, index)

    def narrow(self, dim, start, length):
        """`length` slices along dim from `start`."""
        return composed.narrow(self, dim, start, length)

    def unflatten(self, dim, sizes):
        """dim split into `sizes` (one may be -1)."""
        return composed.unflatten(self, dim, sizes)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims start_dim..end_dim into one (a 0-d tensor becomes shape (1,))."""
        return composed.flatten(self, start_dim, end_dim)

    def diag(self, diagonal=0):
        """A 1-D tensor as a diagonal matrix; a 2-D tensor's diagonal."""
        return composed.diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal of dims dim1 and dim2, as a new last dim."""
        return composed.diagonal(self, offset, dim1, dim2)

    def unfold(self, dimension, size, step):
        """Windows of `size` every `step` along dimension, as a new last dim."""
        return composed.unfold(self, dimension, size, step)

    def repeat_interleave(self, repeats, dim=None):
        """Each element (slice along dim) repeated `repeats` times."""
        return composed.repeat_interleave(self, repeats, dim)

    # ---- selection by index or mask, interpolation --------------------------------------
    def index_select(self, dim, index):
        """The slices at integer `index` (1-D) along dim."""
        return composed.index_select(self, dim, index)

    def masked_select(self, mask):
        """The elements where the (broadcast) mask is true, as a 1-D tensor."""
        return composed.masked_select(self, mask)

    def masked_fill(self, mask, value):
        """value where mask is true, else self (value may be a tensor)."""
        return Where.apply(_mask(mask), value, self)

    def nonzero(self, as_tuple=False):
        """The indices of nonzero elements: (n, ndim) int64, or one tensor per dim."""
        return composed.nonzero(self, as_tuple)

    def lerp(self, end, weight):
        """self + weight * (end - self), the linear interpolation."""
        return self + weight * (end - self)

    # ---- casts named after builtins (last: they shadow float/int/bool in this class) ----
    def float(self): "Cast to float32."; return composed.cast(self, np.float32)
    def int(self): "Cast to int32 (no gradient)."; return composed.cast(self, np.int32)
    def bool(self): "Cast to bool (no gradient)."; return composed.cast(self, np.bool_)
