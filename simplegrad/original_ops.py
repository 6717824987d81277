"""`simplegrad.Ops`: the original simplegrad's op module, kept so its unit tests run.

The original exposed its ops as `from simplegrad.Ops import Sigmoid, Relu, Softmax` and tested
them through NumPy-level `_forward` functions (`Relu._forward(array)`,
`Softmax._forward(array, axis=1, temperature=2.0)`). This module is registered under the name
`simplegrad.Ops` (in sys.modules, by simplegrad/__init__.py) rather than living in a folder
`Ops/`, which would clash with `ops/` on case-insensitive file systems.
"""
import sys

import numpy as np

from simplegrad.autograd import Function
from simplegrad.ops import elementwise, linalg, movement, reduce, softmax


class Relu(elementwise.ReLU):
    """The ReLU op; `Relu._forward(x)` is max(x, 0) on an ndarray."""

    @staticmethod
    def _forward(x):
        return np.maximum(x, 0)


class Sigmoid(elementwise.Sigmoid):
    """The sigmoid op; `Sigmoid._forward(x)` is 1 / (1 + exp(-x)) on an ndarray (stable)."""

    @staticmethod
    def _forward(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Softmax(softmax.Softmax):
    """The softmax op; `Softmax._forward(x, axis, temperature=1)` on an ndarray (exact: no
    epsilon in the denominator, unlike the original)."""

    @staticmethod
    def _forward(x, axis=-1, temperature=1.0):
        z = np.asarray(x) / temperature
        e = np.exp(z - np.max(z, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


# The original's other op names, as simplegrad's ops.
Add, Sub, Mul, Div, Pow = (elementwise.Add, elementwise.Sub, elementwise.Mul, elementwise.Div,
                           elementwise.Pow)
Exp, Log, Neg, Dot = elementwise.Exp, elementwise.Log, elementwise.Neg, linalg.MatMul
Sum, Reshape, Index, CopySlices = reduce.Sum, movement.Reshape, movement.GetItem, \
    movement.SetItem
CrossEntropyLoss = softmax.CrossEntropy

__all__ = ["Function", "Relu", "Sigmoid", "Softmax", "Add", "Sub", "Mul", "Div", "Pow", "Exp",
           "Log", "Neg", "Dot", "Sum", "Reshape", "Index", "CopySlices", "CrossEntropyLoss"]

sys.modules.setdefault("simplegrad.Ops", sys.modules[__name__])
