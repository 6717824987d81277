"""Tensor: an np.ndarray, its gradient, and a link to the op that made it.

Every method and operator below applies an op from `simplegrad/ops/` (each op is a `Function`
with a forward and a backward on ndarrays), mostly in one line. The methods composed from other
ops (sort, split, casts, max with indices, ...) are inherited from `tensor_composed.py`.
"""
import math

import numpy as np

from simplegrad import autograd, hooks, inplace
from simplegrad.inplace import graph_writes as _graph_writes
from simplegrad.trace import trace_backward
from simplegrad.ops import axis_alias as _dim
from simplegrad.ops import unary
from simplegrad.ops.binary import CopySign, LogAddExp, Remainder, RoundedDiv
from simplegrad.ops.dims import dims
from simplegrad.ops.elementwise import (GELU, Abs, Add, Clip, Div, Exp, LeakyReLU, Log, Maximum,
                                        Minimum, Mul, Neg, Pow, ReLU, Sigmoid, Softplus, Sqrt,
                                        Sub, Tanh)
from simplegrad.ops.index import Gather, Scatter
from simplegrad.ops.linalg import MatMul
from simplegrad.ops.movement import GetItem, Reshape, SetItem, Transpose
from simplegrad.ops.reduce import LogSumExp, Max, Mean, Min, Prod, Sum
from simplegrad.ops.scan import CumProd, CumSum, LogCumSumExp
from simplegrad.ops.softmax import CrossEntropy, LogSoftmax, Softmax
from simplegrad.spellings import ItemArray, Size
from simplegrad.tensor_composed import ComposedMethods


_KINDS = {"c": "complex numbers", "U": "text", "S": "bytes", "M": "dates", "m": "time spans",
          "V": "structured records"}  # NumPy's kinds a Tensor refuses, in words


def _as_array(data, dtype):
    """Turn user data into an ndarray: floats default to float32, integer/bool arrays keep theirs.

    None, strings, objects and complex numbers are refused rather than turned into NaN or
    silently losing their imaginary part."""
    if isinstance(data, Tensor):
        data = data.data
        if dtype is None:
            return data
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        what = "None" if data is None else _KINDS.get(array.dtype.kind, "Python objects")
        if isinstance(data, str):
            what += f" ({data[:20]!r})"
        raise TypeError(f"Tensor: cannot hold {what}; give real numbers (floats, integers "
                        f"or booleans)")
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype.kind in "iub" and isinstance(data, (np.ndarray, np.generic)):
        return array  # integer labels and boolean masks stay as they are
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    return array


def _reduce(op, x, axis, keepdims, dim, keepdim, **options):
    """Apply a reduction op, taking `dim=`/`keepdim=` as aliases of `axis=`/`keepdims=`."""
    if dim is not None:
        axis = _dim(axis, dim)
    if keepdim is not None:
        keepdims = keepdim
    return op.apply(x, axis=axis, keepdims=keepdims, **options)


def _bounds(lo, hi):
    """The bounds of clip/clamp: at least one of them (PyTorch refuses neither, too)."""
    if lo is None and hi is None:
        raise ValueError("clamp: give at least one of min and max (lo, hi)")
    return lo, hi


def _times(alpha, other):
    """alpha * other for add/sub's `alpha` (no extra op for the usual alpha = 1)."""
    return other if alpha == 1 else alpha * other



def _array(value):
    """An index or mask given as a Tensor, list or array, as an ndarray."""
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _scatter_reduce(reduce):
    """scatter's old `reduce` names ("add", "multiply") as scatter_reduce's ("sum", "prod")."""
    return {"add": "sum", "multiply": "prod"}.get(reduce, reduce)


def _compare(ufunc, x, other):
    """Elementwise comparison: a boolean tensor outside the graph."""
    other = other.data if isinstance(other, Tensor) else other
    return Tensor._make(np.asarray(ufunc(x.data, other)), False, None)


def _shape_args(args):
    """Accept both f(2, 3) and f((2, 3))."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _swapped(ndim, a, b):
    """The permutation of `ndim` axes that swaps axes a and b (negative axes count from the end)."""
    for axis in (a, b):
        if not -ndim <= axis < ndim:
            raise np.exceptions.AxisError(axis, ndim)
    order = list(range(ndim))
    order[a], order[b] = order[b], order[a]
    return tuple(order)


def _transpose_axes(x, axes):
    """transpose(a, b) swaps two axes (PyTorch); a tuple/list or no argument permutes (NumPy)."""
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return _swapped(x.ndim, *axes)
    return _shape_args(axes) or None


def _index(index, shape):
    """Unwrap Tensors (and lists) used as indices into ndarrays NumPy understands, with
    integers among array indices applied first, as PyTorch does (see `_torch_order`)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        index = tuple(_index(i, ()) for i in index)
        if any(isinstance(i, np.ndarray) for i in index) and any(_is_int(i) for i in index):
            return _torch_order(index, shape)
    return index


def _is_int(part):
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def _torch_order(index, shape):
    """`x[0, :, idx]` in PyTorch's axis order: integers select first (`x[0][:, idx]`, shape
    (3, 2) for x of shape (2, 3, 4) and two indices), where NumPy would treat the 0 as an
    advanced index and put the indexed axis first (2, 3). Returned as one NumPy index of the
    same elements: the arrays of their coordinates."""
    first, second = [], []
    for part in index:
        if _is_int(part):
            first.append(part)
        elif part is None or isinstance(part, bool):
            second.append(part)
        elif part is Ellipsis:
            first.append(part), second.append(part)
        else:  # a slice or an array (a boolean mask spans as many axes as it has)
            width = part.ndim if isinstance(part, np.ndarray) and part.dtype == bool else 1
            first.extend([slice(None)] * width)
            second.append(part)
    positions = np.arange(math.prod(shape)).reshape(shape)[tuple(first)][tuple(second)]
    return np.unravel_index(positions, shape)


def _squeezed(shape, axis):
    """`shape` without its size-1 axes among `axis` (None: all); other axes stay (PyTorch)."""
    drop = dims(axis, len(shape), "squeeze")
    return tuple(n for i, n in enumerate(shape) if i not in drop or n != 1)


class Tensor(ComposedMethods):
    """An n-dimensional array that can record the ops applied to it and differentiate them."""

    __slots__ = {
        "data": "The np.ndarray holding the values.",
        "grad": "d(loss)/d(this tensor) as an np.ndarray after backward(), else None.",
        "requires_grad": "Whether backward() computes a gradient for this tensor.",
        "grad_fn": "The graph node (a Function) of the op that made this tensor; None for leaves.",
        "_clock": "The in-place write clock when this tensor's value and graph last agreed "
                  "(set only while a recorded write is alive; unset means 0).",
        "__weakref__": None,
    }
    __array_ufunc__ = None  # make `ndarray + tensor` call Tensor.__radd__, not NumPy

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if _graph_writes:
            self._clock = inplace.clock
        if requires_grad:
            self.requires_grad_()

    @staticmethod
    def _make(data, requires_grad, grad_fn):
        """Fast constructor for op outputs: `data` is already a well-formed ndarray."""
        t = object.__new__(Tensor)
        t.data, t.grad, t.requires_grad, t.grad_fn = data, None, requires_grad, grad_fn
        if _graph_writes:  # else no write recorded so far can be newer: _clock stays unset (0)
            t._clock = inplace.clock
        return t

    # ---- views of the data -------------------------------------------------------------
    @property
    def item(self):
        """The underlying np.ndarray, as a view (an attribute, as in the original simplegrad);
        calling it, `t.item()`, gives the one value as a Python number, as in PyTorch."""
        return self.data.view(ItemArray)

    @item.setter
    def item(self, value):
        """Replace the data, keeping the dtype (the original's optimizers assign `p.item = ...`)."""
        self.data = _as_array(value, self.data.dtype)

    def numpy(self):
        """The underlying np.ndarray (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    shape = property(lambda self: self.data.shape, doc="Tuple of dimension sizes.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="NumPy dtype of the data.")
    size = property(lambda self: Size(self.data.shape),
                    doc="The element count (NumPy); `size()` is the shape, `size(d)` one dim.")

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self): return bool(self.data)
    def __float__(self): return float(self.data)
    def __int__(self): return int(self.data)

    __hash__ = object.__hash__  # == is elementwise, so hash by identity like PyTorch

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.dtype}" if self.dtype != np.float32 else ""
        if self.grad_fn is not None:
            extra += f", grad_fn=<{type(self.grad_fn).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # ---- autograd ----------------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False, trace=False):
        """Accumulate the gradient of this tensor into every leaf's `.grad` (seed: ones);
        `trace=True` prints each step of backward (simplegrad/trace.py)."""
        if trace:
            trace_backward(self, grad, retain_graph)
        else:
            autograd.backward(self, grad, retain_graph)

    def retain_grad(self):
        """Keep this intermediate tensor's gradient in `.grad` after backward (as PyTorch)."""
        hooks.retain_grad(self)

    def register_hook(self, hook):
        """Call hook(grad) when backward computes this tensor's gradient; a returned array
        replaces it. Returns a handle whose remove() unregisters the hook."""
        return hooks.register_hook(self, hook)

    def zero_grad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self):
        """A tensor sharing this data but cut from the graph."""
        return Tensor._make(self.data, False, None)

    def requires_grad_(self, requires_grad=True):
        """Mark this (leaf) tensor as one whose gradient backward should compute; returns self."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, not {self.dtype}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor: use detach()")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors made by the user, not by an op."""
        return self.grad_fn is None

    # ---- unary elementwise -------------------------------------------------------------
    def neg(self): "-self."; return Neg.apply(self)
    def exp(self): "e ** self."; return Exp.apply(self)
    def log(self): "Natural logarithm (no epsilon: log(0) is -inf)."; return Log.apply(self)
    def sqrt(self): "Square root."; return Sqrt.apply(self)
    def abs(self): "Absolute value (gradient sign(x), 0 at 0)."; return Abs.apply(self)
    def relu(self): "max(self, 0)."; return ReLU.apply(self)
    def sigmoid(self): "1 / (1 + exp(-self)), stable for large |x|."; return Sigmoid.apply(self)
    def tanh(self): "Hyperbolic tangent."; return Tanh.apply(self)
    def sin(self): "Sine."; return unary.Sin.apply(self)
    def cos(self): "Cosine."; return unary.Cos.apply(self)
    def tan(self): "Tangent."; return unary.Tan.apply(self)
    def asin(self): "Arcsine."; return unary.Asin.apply(self)
    def acos(self): "Arccosine."; return unary.Acos.apply(self)
    def atan(self): "Arctangent."; return unary.Atan.apply(self)
    def sinh(self): "Hyperbolic sine."; return unary.Sinh.apply(self)
    def cosh(self): "Hyperbolic cosine."; return unary.Cosh.apply(self)
    def asinh(self): "Inverse hyperbolic sine."; return unary.Asinh.apply(self)
    def acosh(self): "Inverse hyperbolic cosine."; return unary.Acosh.apply(self)
    def atanh(self): "Inverse hyperbolic tangent."; return unary.Atanh.apply(self)
    def erf(self): "The error function."; return unary.Erf.apply(self)
    def log2(self): "Base-2 logarithm."; return unary.Log2.apply(self)
    def log10(self): "Base-10 logarithm."; return unary.Log10.apply(self)
    def exp2(self): "2 ** self."; return unary.Exp2.apply(self)
    def log1p(self): "log(1 + self), exact for small values."; return unary.Log1p.apply(self)
    def expm1(self): "exp(self) - 1, exact for small values."; return unary.Expm1.apply(self)
    def rsqrt(self): "1 / sqrt(self)."; return unary.Rsqrt.apply(self)
    def reciprocal(self): "1 / self."; return unary.Reciprocal.apply(self)
    def square(self): "self * self."; return Mul.apply(self, self)
    def sign(self): "-1, 0 or 1 (zero gradient)."; return unary.Sign.apply(self)
    def floor(self): "Round down (zero gradient)."; return unary.Floor.apply(self)
    def ceil(self): "Round up (zero gradient)."; return unary.Ceil.apply(self)
    def round(self): "Round half to even (zero gradient)."; return unary.Round.apply(self)
    def trunc(self): "Round toward zero (zero gradient)."; return unary.Trunc.apply(self)
    def frac(self): "self - trunc(self)."; return unary.Frac.apply(self)
    arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
    fix, negative, absolute = trunc, neg, abs

    def leaky_relu(self, slope=0.01):
        """x where x > 0, else slope * x."""
        return LeakyReLU.apply(self, slope=slope)

    def gelu(self, approximate="none"):
        """x * Phi(x) (exact, via erf); approximate="tanh" gives PyTorch's tanh form."""
        return GELU.apply(self, approximate=approximate)

    def softplus(self, beta=1.0, threshold=20.0):
        """log(1 + exp(beta * x)) / beta, a smooth relu; linear where beta * x > threshold."""
        return Softplus.apply(self, beta=beta, threshold=threshold)

    def clip(self, lo=None, hi=None):
        """Clamp into [lo, hi] (numbers or tensors; one may be None), as torch.clamp."""
        return Clip.apply(self, *_bounds(lo, hi))

    def clamp(self, min=None, max=None):  # noqa: A002  (PyTorch's argument names)
        """PyTorch's name of `clip`."""
        return Clip.apply(self, *_bounds(min, max))

    # ---- binary elementwise (NumPy broadcasting; grads summed back to each shape) ------
    def add(self, other, alpha=1):
        """self + alpha * other."""
        return Add.apply(self, _times(alpha, other))

    def sub(self, other, alpha=1):
        """self - alpha * other."""
        return Sub.apply(self, _times(alpha, other))

    def mul(self, other): "self * other (elementwise)."; return Mul.apply(self, other)
    def pow(self, other): "self ** other (constant or tensor)."; return Pow.apply(self, other)
    def maximum(self, other): "Elementwise max, ties split."; return Maximum.apply(self, other)
    def minimum(self, other): "Elementwise min, ties split."; return Minimum.apply(self, other)
    def matmul(self, other): "self @ other (np.matmul rules)."; return MatMul.apply(self, other)
    def dot(self, other): "self @ other (original name)."; return MatMul.apply(self, other)
    def logaddexp(self, other): "log(e^self + e^other)."; return LogAddExp.apply(self, other)
    def remainder(self, other): "Python's % (other's sign)."; return Remainder.apply(self, other)
    def fmod(self, other): "C's fmod (self's sign)."; return Remainder.apply(self, other, fmod=True)
    def floor_divide(self, other): "self // other."; return RoundedDiv.apply(self, other)
    def copysign(self, other): "|self| with other's sign."; return CopySign.apply(self, other)
    multiply, subtract = mul, sub

    def div(self, other, rounding_mode=None):
        """self / other, exactly; rounding_mode "floor" or "trunc" rounds (zero gradient)."""
        if rounding_mode is None:
            return Div.apply(self, other)
        return RoundedDiv.apply(self, other, mode=rounding_mode)

    divide = true_divide = div

    # ---- operators ---------------------------------------------------------------------
    def __neg__(self): return Neg.apply(self)
    def __add__(self, other): return Add.apply(self, other)
    def __radd__(self, other): return Add.apply(other, self)
    def __sub__(self, other): return Sub.apply(self, other)
    def __rsub__(self, other): return Sub.apply(other, self)
    def __mul__(self, other): return Mul.apply(self, other)
    def __rmul__(self, other): return Mul.apply(other, self)
    def __truediv__(self, other): return Div.apply(self, other)
    def __rtruediv__(self, other): return Div.apply(other, self)
    def __floordiv__(self, other): return RoundedDiv.apply(self, other)
    def __rfloordiv__(self, other): return RoundedDiv.apply(other, self)
    def __mod__(self, other): return Remainder.apply(self, other)
    def __rmod__(self, other): return Remainder.apply(other, self)
    def __pow__(self, other): return Pow.apply(self, other)
    def __rpow__(self, other): return Pow.apply(other, self)
    def __matmul__(self, other): return MatMul.apply(self, other)
    def __rmatmul__(self, other): return MatMul.apply(other, self)

    # ---- comparisons (not differentiable: boolean tensors) -----------------------------
    def __lt__(self, other): return _compare(np.less, self, other)
    def __le__(self, other): return _compare(np.less_equal, self, other)
    def __gt__(self, other): return _compare(np.greater, self, other)
    def __ge__(self, other): return _compare(np.greater_equal, self, other)
    def __eq__(self, other): return _compare(np.equal, self, other)
    def __ne__(self, other): return _compare(np.not_equal, self, other)
    def eq(self, other): "self == other, elementwise."; return _compare(np.equal, self, other)
    def ne(self, other): "self != other, elementwise."; return _compare(np.not_equal, self, other)
    def lt(self, other): "self < other, elementwise."; return _compare(np.less, self, other)
    def le(self, other): "self <= other, elementwise."; return _compare(np.less_equal, self, other)
    def gt(self, other): "self > other, elementwise."; return _compare(np.greater, self, other)
    def ge(self, other): "self >= other."; return _compare(np.greater_equal, self, other)

    # ---- reductions: NumPy's axis/keepdims, PyTorch's dim/keepdim accepted -------------
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Sum over `axis` (None: all), like np.sum."""
        return _reduce(Sum, self, axis, keepdims, dim, keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Mean over `axis` (None: all), like np.mean."""
        return _reduce(Mean, self, axis, keepdims, dim, keepdim)

    def prod(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Product over `axis` (None: all); exact gradients where factors are 0."""
        return _reduce(Prod, self, axis, keepdims, dim, keepdim)

    def amax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Max over `axis` (any number of dims); ties share the gradient evenly."""
        return _reduce(Max, self, axis, keepdims, dim, keepdim)

    def amin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Min over `axis` (any number of dims); ties share the gradient evenly."""
        return _reduce(Min, self, axis, keepdims, dim, keepdim)

    def logsumexp(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """log(sum(exp(self))) over `axis`, without overflow."""
        return _reduce(LogSumExp, self, axis, keepdims, dim, keepdim)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the max along `axis` (not differentiable)."""
        keepdims = keepdims if keepdim is None else keepdim
        return Tensor._make(np.asarray(self.data.argmax(_dim(axis, dim), keepdims=keepdims)),
                            False, None)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the min along `axis` (not differentiable)."""
        keepdims = keepdims if keepdim is None else keepdim
        return Tensor._make(np.asarray(self.data.argmin(_dim(axis, dim), keepdims=keepdims)),
                            False, None)

    # ---- scans, sorting and selection --------------------------------------------------
    def cumsum(self, dim): "Running sum along dim."; return CumSum.apply(self, dim=dim)
    def cumprod(self, dim): "Running product along dim."; return CumProd.apply(self, dim=dim)
    def logcumsumexp(self, dim): "log(cumsum(exp))."; return LogCumSumExp.apply(self, dim=dim)
    # ---- movement ----------------------------------------------------------------------
    T = property(lambda self: Transpose.apply(self, axes=None), doc="The axes reversed.")

    def reshape(self, *shape):
        """Same data, new shape: reshape(2, 3) or reshape((2, 3)); one size may be -1."""
        return Reshape.apply(self, shape=_shape_args(shape))

    def view(self, *shape): "reshape, PyTorch's name."; return self.reshape(*shape)

    def permute(self, *dims):
        """Reorder all axes: permute(2, 0, 1) or permute((2, 0, 1)), as PyTorch."""
        return Transpose.apply(self, axes=_shape_args(dims))

    def swapaxes(self, a, b):
        """Swap axes a and b (np.swapaxes; transpose(a, b) does the same)."""
        return Transpose.apply(self, axes=_swapped(self.ndim, a, b))

    def transpose(self, *axes):
        """transpose(a, b) swaps two axes (PyTorch); transpose((2, 0, 1)), three or more ints,
        or no argument (reverse all) permute like np.transpose."""
        return Transpose.apply(self, axes=_transpose_axes(self, axes))

    def squeeze(self, axis=None, *, dim=None):
        """Drop size-1 dimensions (all, or those among `axis`; a dim of another size stays)."""
        return Reshape.apply(self, shape=_squeezed(self.shape, _dim(axis, dim)))

    def unsqueeze(self, axis=None, *, dim=None):
        """Insert a size-1 dimension at `axis`."""
        axis = _dim(axis, dim)
        if axis is None:
            raise TypeError("unsqueeze() needs the axis (or dim) where the new dimension goes")
        return Reshape.apply(self, shape=np.expand_dims(self.data, axis).shape)

    # ---- indexing ----------------------------------------------------------------------
    def __getitem__(self, index):
        """self[index]: ints, slices, negative steps, boolean masks, integer arrays; integers
        among arrays select first, as in PyTorch (x[0, :, idx] has shape (3, len(idx)))."""
        return GetItem.apply(self, index=_index(index, self.shape))

    def __setitem__(self, index, value):
        """self[index] = value, in place. The write is recorded: a graph that saved this memory
        fails at backward ("modified by an inplace operation"); gradients flow to `value`."""
        index = _index(index, self.shape)
        if not self.data.flags.writeable:
            raise RuntimeError("cannot write into this tensor: its memory is shared by "
                               "several elements (an expand() view); write into a clone()")
        value_tracked = isinstance(value, Tensor) and value.requires_grad
        tracked = autograd.is_grad_enabled() and (self.requires_grad or value_tracked)
        if tracked and self.requires_grad and self.grad_fn is None:
            if value_tracked:
                raise RuntimeError("cannot write a tensor that requires grad into a leaf that "
                                   "requires grad; write into a copy (x = x * 1) instead")
            tracked = False  # a plain data write to a parameter, as in the original simplegrad
        if tracked:
            out = SetItem.apply(self, value, index=index)
            self.grad_fn, self.requires_grad = out.grad_fn, True
        else:
            self.data[index] = value.data if isinstance(value, Tensor) else value
        inplace.mark_written(self.data, index, recorded=tracked)
        if tracked:
            self._clock = inplace.clock  # this tensor's graph now includes the write

    def gather(self, dim, index):
        """At index along dim."""
        return Gather.apply(self, _array(index), dim=dim)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        """A copy with src (or value) written at index along dim (PyTorch's scatter)."""
        source = value if src is None else src
        return Scatter.apply(self, _array(index), source, dim=dim, reduce=_scatter_reduce(reduce))

    def scatter_add(self, dim, index, src):
        """A copy with src added at index along dim; repeated indices add up."""
        return Scatter.apply(self, _array(index), src, dim=dim, reduce="sum")

    def scatter_reduce(self, dim, index, src, reduce, include_self=True):
        """A copy with src reduced into it at index ("sum", "prod", "mean", "amax", "amin")."""
        return Scatter.apply(self, _array(index), src, dim=dim, reduce=reduce,
                             include_self=include_self)

    # ---- softmax and the loss ----------------------------------------------------------
    def softmax(self, axis=-1, temperature=1.0, *, dim=None):
        """exp(x / T) / sum(exp(x / T)) along `axis`, stable for large inputs."""
        return Softmax.apply(self, axis=_dim(axis, dim, -1), temperature=temperature)

    def log_softmax(self, axis=-1, *, dim=None):
        """x - logsumexp(x) along `axis`: log-probabilities without log(0)."""
        return LogSoftmax.apply(self, axis=_dim(axis, dim, -1))

    def cross_entropy_loss(self, targets):
        """Mean cross-entropy of these logits (class axis last) against integer class indices or
        one-hot/soft rows; fused with log-softmax so large logits never give inf or NaN."""
        return CrossEntropy.apply(self, targets)



autograd.use_tensor_class(Tensor)
