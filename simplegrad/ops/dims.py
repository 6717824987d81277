"""Dimension arguments: checking one against a shape, and the error for one out of range."""
import numpy as np

from simplegrad.autograd import OpError


class DimError(OpError, np.exceptions.AxisError):
    """A dim outside [-ndim, ndim): an IndexError as in PyTorch and NumPy's AxisError (also a
    ValueError); an OpError, so the engine shows it unchanged."""


def dim(d, ndim, op=None):
    """`d` as an axis in [0, ndim) (negative dims count from the end). A 0-d tensor accepts 0
    and -1, as in PyTorch, which both mean axis 0 of its one-element view."""
    n = max(ndim, 1)
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
        raise TypeError(f"{op or 'dim'}: a dim must be an integer, got {d!r}")
    if not -n <= d < n:
        raise DimError(int(d), ndim, op)
    return int(d) % n


def dims(axis, ndim, op=None):
    """None (every axis), an int or a sequence of ints as a sorted tuple of axes in [0, ndim);
    a 0-d tensor's dims 0 and -1 name no axis (reducing over them returns the value)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    found = sorted(dim(a, ndim, op) for a in axis)
    if len(set(found)) < len(found):
        raise OpError(f"{op or 'dims'}: a dim appears more than once in {tuple(axis)}")
    return tuple(found) if ndim else ()
