"""Training helpers: gradient-norm clipping."""
import math

import numpy as np

from simplegrad.tensor import Tensor


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    """Scale all gradients together so their joint norm is at most `max_norm`; return the
    norm before clipping (a float). Gradients are replaced by scaled copies, never
    modified in place (an array may be shared)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == 2.0:  # the common case: one BLAS dot product per gradient
        total = math.sqrt(math.fsum(float(np.dot(g, g)) for g in (p.grad.ravel() for p in params)))
    elif norm_type == math.inf:
        total = max(float(np.max(np.abs(p.grad))) for p in params)
    else:
        total = math.fsum(float(np.sum(np.abs(p.grad) ** norm_type)) for p in params)
        total = total ** (1.0 / norm_type)
    coef = float(max_norm) / (total + 1e-6)  # PyTorch's epsilon, so a zero norm is safe
    if coef < 1.0:
        for p in params:
            p.grad = p.grad * coef
    return total


clip_grad_norm_ = clip_grad_norm  # PyTorch's in-place spelling
