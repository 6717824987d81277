"""Values that answer both the NumPy/original-simplegrad spelling and PyTorch's.

- `t.size` is the element count (NumPy) and `t.size()` the shape, `t.size(1)` one dim (PyTorch):
  a `Size` is an int that can be called.
- `t.item` is the np.ndarray (the original simplegrad) and `t.item()` a Python number
  (PyTorch): an `ItemArray` is a view of the tensor's array that can be called.
"""
import math

import numpy as np

from simplegrad.ops.dims import dim as _dim


class Size(int):
    """The number of elements, as an int; calling it gives the shape, or one dim's size."""

    def __new__(cls, shape):
        size = int.__new__(cls, math.prod(shape))
        size.shape = shape
        return size

    def __call__(self, dim=None):
        """PyTorch's `size()`: the shape tuple, or with `dim` the size of that dim."""
        if dim is None:
            return self.shape
        if not self.shape:
            raise IndexError(f"size({dim}): a 0-d tensor has no dims")
        return self.shape[_dim(dim, len(self.shape), "size")]


class ItemArray(np.ndarray):
    """The tensor's np.ndarray (a view: same memory); calling it gives the single value as a
    Python number, as PyTorch's `item()`. Arithmetic on it gives plain ndarrays."""

    def __call__(self):
        """The one element as a Python float, int or bool (PyTorch's `item()`)."""
        if self.size != 1:
            raise RuntimeError(f"item(): a tensor with {self.size} elements cannot be converted "
                               f"to a Python number; `.item` without () is the whole array")
        return np.ndarray.item(self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, ItemArray) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, ItemArray) else x
                                  for x in kwargs["out"])
        return getattr(ufunc, method)(*plain, **kwargs)

    def __repr__(self):
        return repr(self.view(np.ndarray))
