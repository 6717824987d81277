"""simplegrad: a small, readable, CPU-only autodiff and neural-network library on NumPy."""
from simplegrad.anomaly import AnomalyError
from simplegrad.autograd import Function, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from simplegrad.tensor import Tensor
from simplegrad.ops import cat, stack, where
from simplegrad.ops.einsum import einsum
from simplegrad.rng import manual_seed
from simplegrad.gradcheck import gradcheck
from simplegrad import nn, optim, data  # noqa: E402

__version__ = "0.2.0"

__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "is_grad_enabled", "manual_seed",
           "detect_anomaly", "AnomalyError",
           "cat", "stack", "where", "einsum", "gradcheck", "nn", "optim", "data", "__version__"]
