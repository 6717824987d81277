"""Adam and AdamW, updating parameters and moment buffers in place (no float32 upcasts)."""
import math
import numbers

import numpy as np

from simplegrad.optim.optimizer import Optimizer, check_at_least, elementwise_in_place


class Adam(Optimizer):
    """Adam (Kingma & Ba) with PyTorch's update rule and a per-parameter step count.

    m = lerp(m, g, 1 - b1);  v = b2 * v + (1 - b2) * g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    `weight_decay` adds weight_decay * p to the gradient (L2); AdamW decouples it instead.
    `beta1=` / `beta2=` (the original simplegrad's keywords) set one of `betas` each.
    """

    hyperparams = ("betas", "eps", "weight_decay")
    state_arrays = ("exp_avg", "exp_avg_sq")
    state_counters = ("step",)
    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, beta1: float | None = None,
                 beta2: float | None = None):
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}; "
                            f"pass beta1=/beta2= by keyword to set one")
        if len(betas) == 2:
            betas = (betas[0] if beta1 is None else beta1, betas[1] if beta2 is None else beta2)
        super().__init__(params, lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    def _check_group(self, group):
        name, betas = type(self).__name__, group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2 or not all(
                isinstance(b, numbers.Real) and not isinstance(b, bool) and 0.0 <= b < 1.0
                for b in betas):
            raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {betas}")
        group["betas"] = (float(betas[0]), float(betas[1]))
        for key in ("eps", "weight_decay"):
            group[key] = check_at_least(name, key, group[key])

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        tmp = state.get("_tmp")  # scratch buffer, reused every step (not saved)
        if tmp is None:
            tmp = state["_tmp"] = np.empty_like(param)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        beta1, beta2 = group["betas"]
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        state["step"] = t = state["step"] + 1

        if wd and self.decoupled_weight_decay:
            param *= 1.0 - lr * wd
        elif wd:
            grad = grad + wd * param
        step_size = lr / (1.0 - beta1 ** t)
        bias2_sqrt = math.sqrt(1.0 - beta2 ** t)

        def update(p, g, m, v, tmp):
            np.subtract(g, m, out=tmp)     # m += (1 - b1) * (g - m)
            tmp *= 1.0 - beta1
            m += tmp
            v *= beta2                     # v = b2 * v + (1 - b2) * g * g
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp
            np.sqrt(v, out=tmp)            # denominator: sqrt(v_hat) + eps
            tmp /= bias2_sqrt
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= -step_size
            p += tmp

        elementwise_in_place(update, param, grad, m, v, tmp)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay
    before the Adam step, instead of adding weight_decay * p to the gradient."""

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
