"""Ops that move or select data without arithmetic: reshape, transpose, indexing, cat, stack."""
import numpy as np

from simplegrad.autograd import Function, OpError
from simplegrad.ops.dims import dim


class Reshape(Function):
    """Same data, new shape; the gradient is reshaped back."""
    shape_error = "reshape: cannot reshape shape {0} into {shape}"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Transpose(Function):
    """Permute axes like np.transpose(a, axes) (None reverses them); Tensor.transpose, permute,
    swapaxes and .T all come here."""
    shape_error = "transpose: axes {axes} are not a permutation of the axes of shape {0}"

    @staticmethod
    def forward(ctx, a, axes=None):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        if ctx.axes is None:
            return np.transpose(grad)
        return np.transpose(grad, np.argsort([ax % grad.ndim for ax in ctx.axes]))


def _is_basic(index):
    """True when `index` is NumPy basic indexing (ints, slices, None, ...): a view, no repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis
               for p in parts)


class GetItem(Function):
    """a[index] for basic and advanced indices; repeated indices accumulate their gradients."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        ctx.basic = _is_basic(index)
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.basic:
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out


class SetItem(Function):
    """a[index] = value, in place. The gradient of a is zero where it was overwritten."""
    shape_error = "setitem: a value of shape {1} does not fit the indexed part of shape {0}"

    @staticmethod
    def forward(ctx, a, value, index):
        ctx.index = index
        a[index] = value
        return a

    @staticmethod
    def backward(ctx, grad):
        grad_a = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_a = grad.copy()
            grad_a[ctx.index] = 0
        if ctx.needs_input_grad[1]:
            grad_value = grad[ctx.index]
        return grad_a, grad_value


def _first(arrays, op):
    """The first of the arrays to join (there must be one)."""
    if not arrays:
        raise OpError(f"{op}: expected a non-empty sequence of tensors")
    return np.asarray(arrays[0])


class Cat(Function):
    """Join tensors along an existing axis."""
    shape_error = "cat: shapes {shapes} cannot be joined along axis {axis} (other sizes must match)"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis = dim(axis, _first(arrays, "cat").ndim, "cat")
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.split(grad, ctx.bounds, axis=ctx.axis))


class Stack(Function):
    """Join tensors along a new axis."""
    shape_error = "stack: shapes {shapes} cannot be stacked along axis {axis} (all must be equal)"

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis = dim(axis, _first(arrays, "stack").ndim + 1, "stack")
        ctx.count = len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.take(grad, i, axis=ctx.axis) for i in range(ctx.count))
