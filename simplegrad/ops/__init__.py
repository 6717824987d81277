"""Differentiable ops, one family per module, and their registration as Tensor methods.

Each op is a `Function` subclass; this module turns them into the methods and operators users
call (`x.exp()`, `x + y`, `x[0] = 1`) and the module-level `cat`, `stack`, `where`.
"""
import numpy as np

from simplegrad.autograd import is_grad_enabled, mark_written
from simplegrad.ops import elementwise as ew
from simplegrad.ops import linalg, movement as mv, nn, reduce as rd
from simplegrad.tensor import Tensor

__all__ = ["cat", "stack", "where"]


def _const(x):
    """A non-Tensor operand: NumPy scalars become Python numbers so they never upcast float32."""
    return x.item() if isinstance(x, np.generic) else x


def _binary(op, doc):
    def method(self, other):
        return op.apply(self, other if isinstance(other, Tensor) else _const(other))

    def reflected(self, other):
        return op.apply(_const(other), self)

    method.__doc__ = doc
    reflected.__doc__ = f"Reflected form: other {doc.split(':')[0]} self."
    return method, reflected


def _unary(op, doc):
    def method(self):
        return op.apply(self)

    method.__doc__ = doc
    return method


def _reduction(op, doc):
    def method(self, axis=None, keepdims=False):
        return op.apply(self, axis=axis, keepdims=keepdims)

    method.__doc__ = doc
    return method


def _compare(ufunc):
    def method(self, other):
        other = other.data if isinstance(other, Tensor) else _const(other)
        return Tensor._make(ufunc(self.data, other), False, None)

    method.__doc__ = f"Elementwise {ufunc.__name__} (not differentiable): a boolean tensor."
    return method


_BINARY = {
    "add": (ew.Add, "add: self + other, broadcasting like NumPy.", "__add__", "__radd__"),
    "sub": (ew.Sub, "sub: self - other.", "__sub__", "__rsub__"),
    "mul": (ew.Mul, "mul: self * other (elementwise).", "__mul__", "__rmul__"),
    "div": (ew.Div, "div: self / other, exactly (no epsilon).", "__truediv__", "__rtruediv__"),
    "pow": (ew.Pow, "pow: self ** other (constant or tensor exponent).", "__pow__", "__rpow__"),
    "matmul": (linalg.MatMul, "matmul: self @ other with np.matmul rules (1-D, 2-D, batched).",
               "__matmul__", "__rmatmul__"),
    "maximum": (ew.Maximum, "maximum: elementwise max; ties split the gradient.", None, None),
    "minimum": (ew.Minimum, "minimum: elementwise min; ties split the gradient.", None, None),
}

_UNARY = {
    "neg": (ew.Neg, "-self."),
    "exp": (ew.Exp, "e ** self."),
    "log": (ew.Log, "Natural logarithm."),
    "sqrt": (ew.Sqrt, "Square root."),
    "abs": (ew.Abs, "Absolute value (gradient sign(x), 0 at 0)."),
    "relu": (ew.ReLU, "max(self, 0)."),
    "sigmoid": (ew.Sigmoid, "1 / (1 + exp(-self)), stable for large |x|."),
    "tanh": (ew.Tanh, "Hyperbolic tangent."),
}

_REDUCE = {
    "sum": (rd.Sum, "Sum over `axis` (None: all), like np.sum."),
    "mean": (rd.Mean, "Mean over `axis` (None: all), like np.mean."),
    "max": (rd.Max, "Max over `axis`; ties share the gradient evenly (as torch.amax)."),
    "min": (rd.Min, "Min over `axis`; ties share the gradient evenly (as torch.amin)."),
    "logsumexp": (rd.LogSumExp, "log(sum(exp(self))) over `axis`, without overflow."),
}


def _register():
    for name, (op, doc, dunder, rdunder) in _BINARY.items():
        method, reflected = _binary(op, doc)
        setattr(Tensor, name, method)
        if dunder:
            setattr(Tensor, dunder, method)
            setattr(Tensor, rdunder, reflected)
    for name, (op, doc) in _UNARY.items():
        setattr(Tensor, name, _unary(op, doc))
    for name, (op, doc) in _REDUCE.items():
        setattr(Tensor, name, _reduction(op, doc))
    for dunder, ufunc in [("__lt__", np.less), ("__le__", np.less_equal),
                          ("__gt__", np.greater), ("__ge__", np.greater_equal),
                          ("__eq__", np.equal), ("__ne__", np.not_equal)]:
        setattr(Tensor, dunder, _compare(ufunc))
    Tensor.__neg__ = Tensor.neg
    Tensor.dot = Tensor.matmul
    for name, fn in _METHODS.items():
        setattr(Tensor, name, fn)


# ---- methods with their own arguments ---------------------------------------------------

def leaky_relu(self, slope=0.01):
    """x where x > 0, else slope * x."""
    return ew.LeakyReLU.apply(self, slope=slope)


def gelu(self, approximate="none"):
    """x * Phi(x) (exact, via erf); approximate="tanh" gives PyTorch's tanh form."""
    return ew.GELU.apply(self, approximate=approximate)


def clip(self, lo=None, hi=None):
    """Clamp into [lo, hi]; the gradient passes only where lo <= x <= hi."""
    return ew.Clip.apply(self, lo=lo, hi=hi)


def var(self, axis=None, keepdims=False, ddof=0):
    """Variance over `axis`; population variance (ddof=0) unless ddof is given, as NumPy."""
    return rd.Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)


def argmax(self, axis=None, keepdims=False):
    """Index of the max along `axis` (not differentiable)."""
    return Tensor._make(np.asarray(self.data.argmax(axis=axis, keepdims=keepdims)), False, None)


def argmin(self, axis=None, keepdims=False):
    """Index of the min along `axis` (not differentiable)."""
    return Tensor._make(np.asarray(self.data.argmin(axis=axis, keepdims=keepdims)), False, None)


def _shape_args(args):
    """Accept both f(2, 3) and f((2, 3))."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def reshape(self, *shape):
    """Same data, new shape (one dimension may be -1)."""
    return mv.Reshape.apply(self, shape=_shape_args(shape))


def transpose(self, *axes):
    """Permute axes like np.transpose; with no arguments reverse them."""
    return mv.Transpose.apply(self, axes=_shape_args(axes) or None)


def flatten(self, start_dim=0):
    """Merge the dimensions from `start_dim` on into one."""
    start = start_dim % self.ndim if self.ndim else 0
    return reshape(self, *self.shape[:start], -1)


def squeeze(self, axis=None):
    """Drop size-1 dimensions (all of them, or only `axis`)."""
    return mv.Reshape.apply(self, shape=np.squeeze(self.data, axis).shape)


def unsqueeze(self, axis):
    """Insert a size-1 dimension at `axis`."""
    return mv.Reshape.apply(self, shape=np.expand_dims(self.data, axis).shape)


def _index(index):
    """Unwrap Tensors (and lists) used as indices into ndarrays NumPy understands."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    return index


def getitem(self, index):
    """self[index]: ints, slices, negative steps, boolean masks, integer arrays."""
    return mv.GetItem.apply(self, index=_index(index))


def setitem(self, index, value):
    """self[index] = value, in place. The write is recorded: a graph that saved this memory
    fails at backward ("modified by an inplace operation"); gradients flow to `value`."""
    index = _index(index)
    tracked = is_grad_enabled() and (self.requires_grad or
                                     (isinstance(value, Tensor) and value.requires_grad))
    if tracked and self.requires_grad and self.grad_fn is None:
        if isinstance(value, Tensor) and value.requires_grad:
            raise RuntimeError("cannot write a tensor that requires grad into a leaf that "
                               "requires grad; write into a copy (x = x * 1) instead")
        tracked = False  # a plain data write to a parameter, as in the original simplegrad
    if tracked:
        out = mv.SetItem.apply(self, value, index=index)
        self.grad_fn, self.requires_grad = out.grad_fn, True
    else:
        self.data[index] = value.data if isinstance(value, Tensor) else value
    mark_written(self.data)


def softmax(self, axis=-1, temperature=1.0):
    """exp(x / T) / sum(exp(x / T)) along `axis`, stable for large inputs."""
    return nn.Softmax.apply(self, axis=axis, temperature=temperature)


def log_softmax(self, axis=-1):
    """x - logsumexp(x) along `axis`: log-probabilities without log(0)."""
    return nn.LogSoftmax.apply(self, axis=axis)


def cross_entropy_loss(self, targets):
    """Mean cross-entropy of these logits (class axis last) against integer class indices or
    one-hot/soft rows; fused with log-softmax so large logits never give inf or NaN."""
    return nn.CrossEntropy.apply(self, targets)


_METHODS = {
    "leaky_relu": leaky_relu, "gelu": gelu, "clip": clip, "var": var,
    "argmax": argmax, "argmin": argmin, "reshape": reshape, "transpose": transpose,
    "flatten": flatten, "squeeze": squeeze, "unsqueeze": unsqueeze,
    "__getitem__": getitem, "__setitem__": setitem, "softmax": softmax,
    "log_softmax": log_softmax, "cross_entropy_loss": cross_entropy_loss,
    "T": property(lambda self: mv.Transpose.apply(self, axes=None),
                  doc="The tensor with its axes reversed."),
}


# ---- module-level functions --------------------------------------------------------------

def cat(tensors, axis=0):
    """Join tensors along an existing axis (np.concatenate)."""
    return mv.Cat.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join tensors along a new axis (np.stack)."""
    return mv.Stack.apply(*tensors, axis=axis)


def where(condition, a, b):
    """Elementwise a where condition is true, else b; differentiable in a and b."""
    return ew.Where.apply(condition, a, b)


_register()
