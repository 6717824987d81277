"""simplegrad: a small, readable, CPU-only autodiff and neural-network library on NumPy.

Beside `Tensor`, the package holds PyTorch's module-level names: factories (`tensor`, `zeros`,
`randn`, ...), the function forms of Tensor methods (`exp`, `sum`, `gather`, ...; see
simplegrad.functions), dtypes (`float32`, `long`, ...) and devices (`device("cpu")`).
"""
from simplegrad.anomaly import AnomalyError, detect_anomaly
from simplegrad.autograd import Function, enable_grad, is_grad_enabled, no_grad
from simplegrad.tensor import Tensor
from simplegrad.trace import trace_backward
from simplegrad.ops import cat, stack, where
from simplegrad.ops.einsum import einsum
from simplegrad.rng import manual_seed
from simplegrad.parallel import get_num_threads, set_num_threads
from simplegrad.gradcheck import gradcheck
from simplegrad.checkpoint import load, save
from simplegrad.composed import meshgrid as _meshgrid
from simplegrad.devices import Device, cuda, device
from simplegrad.factories import (arange, as_tensor, empty, empty_like, eye, from_numpy, full,
                                  full_like, linspace, multinomial, ones, ones_like, rand,
                                  rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                                  zeros_like)
from simplegrad import original_ops as Ops  # noqa: N812, F401  (the original's module name)
from simplegrad import nn, optim, data  # noqa: E402

__version__ = "0.2.0"
concat = concatenate = cat


def inference_mode(mode=True):
    """PyTorch's inference_mode: here the same as `no_grad()` (mode=False: `enable_grad()`),
    as a context manager or decorator."""
    return no_grad() if mode else enable_grad()


def set_grad_enabled(mode):
    """A context manager (or decorator) that turns graph recording on or off in its block."""
    return enable_grad() if mode else no_grad()


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors (torch.meshgrid: "ij" indexing unless "xy")."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return _meshgrid(tensors, indexing)


__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "is_grad_enabled", "inference_mode",
           "detect_anomaly", "AnomalyError", "trace_backward", "set_num_threads",
           "get_num_threads",
           "set_grad_enabled", "manual_seed", "cat", "concat", "concatenate", "stack", "where",
           "meshgrid", "einsum", "gradcheck", "save", "load", "device", "Device", "cuda", "tensor",
           "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "eye", "rand", "randn", "randint", "randperm", "multinomial", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "nn", "optim",
           "data", "__version__"]

# Last, because they rebind builtin names (sum, max, float, ...) in this module: the torch.*
# function forms of Tensor methods and PyTorch's dtype names. Not in __all__, so `import *`
# never shadows the builtins.
from simplegrad.functions import *  # noqa: E402,F401,F403
from simplegrad.dtypes import *  # noqa: E402,F401,F403
