"""Tensor: an np.ndarray, its gradient, and a link to the op that made it.

The ops themselves live in `simplegrad/ops/` and are attached to Tensor as methods and
operators by `simplegrad/ops/__init__.py`; this file holds only the data and the engine hooks.
"""
import numpy as np

from simplegrad import autograd


def _as_array(data, dtype):
    """Turn user data into an ndarray: floats default to float32, integer/bool arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data.data
        if dtype is None:
            return data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data)
    if array.dtype.kind in "iub" and isinstance(data, (np.ndarray, np.generic)):
        return array  # integer labels and boolean masks stay as they are
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    return array


class Tensor:
    """An n-dimensional array that can record the ops applied to it and differentiate them."""

    __slots__ = {
        "data": "The np.ndarray holding the values.",
        "grad": "d(loss)/d(this tensor) as an np.ndarray after backward(), else None.",
        "requires_grad": "Whether backward() computes a gradient for this tensor.",
        "grad_fn": "The graph node (a Function) of the op that made this tensor; None for leaves.",
        "__weakref__": None,
    }
    __array_ufunc__ = None  # make `ndarray + tensor` call Tensor.__radd__, not NumPy

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):
        """Fast constructor for op outputs: `data` is already a well-formed ndarray."""
        t = object.__new__(Tensor)
        t.data, t.grad, t.requires_grad, t.grad_fn = data, None, requires_grad, grad_fn
        return t

    # ---- views of the data -------------------------------------------------------------
    @property
    def item(self):
        """The underlying np.ndarray (an attribute, as in the original simplegrad)."""
        return self.data

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
    size = property(lambda self: self.data.size, doc="Number of elements.")

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    __hash__ = object.__hash__  # == is elementwise, so hash by identity like PyTorch

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.dtype}" if self.dtype != np.float32 else ""
        if self.grad_fn is not None:
            extra += f", grad_fn=<{type(self.grad_fn).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # ---- autograd hooks ---------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate the gradient of this tensor into every leaf's `.grad` (seed: ones)."""
        autograd.backward(self, grad, retain_graph)

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
