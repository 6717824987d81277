"""Differentiable ops, one family per module, each a `Function` on ndarrays.

`simplegrad/tensor.py` turns them into Tensor methods and operators; the module-level
functions that take several tensors (`cat`, `stack`, `where`) are here.
"""
from simplegrad.ops.elementwise import Where
from simplegrad.ops.movement import Cat, Stack

__all__ = ["cat", "stack", "where", "axis_alias"]


def axis_alias(axis, dim, default=None):
    """PyTorch's `dim=` is accepted as an alias of NumPy's `axis=` (not both, differently)."""
    if dim is None:
        return axis
    if axis != default and axis != dim:
        raise ValueError(f"give axis or dim, not both (got axis={axis}, dim={dim})")
    return dim


def cat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis (np.concatenate; `dim=` accepted)."""
    return Cat.apply(*tensors, axis=axis if dim is None else axis_alias(axis, dim, 0))


def stack(tensors, axis=0, *, dim=None):
    """Join tensors along a new axis (np.stack; `dim=` accepted)."""
    return Stack.apply(*tensors, axis=axis if dim is None else axis_alias(axis, dim, 0))


def where(condition, a, b):
    """Elementwise a where condition is true, else b; differentiable in a and b."""
    return Where.apply(condition, a, b)
