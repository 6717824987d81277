"""RMSprop, updating the parameter and its running averages in place."""
import numpy as np

from simplegrad.optim.optimizer import Optimizer, check_at_least


class RMSprop(Optimizer):
    """RMSprop (Hinton) with PyTorch's update rule.

    g = grad + weight_decay * p;  v = alpha * v + (1 - alpha) * g^2;
    centered: m = lerp(m, g, 1 - alpha), avg = sqrt(v - m^2) + eps; else avg = sqrt(v) + eps;
    momentum > 0: buf = momentum * buf + g / avg, p -= lr * buf; else p -= lr * g / avg.
    """

    hyperparams = ("alpha", "eps", "weight_decay", "momentum", "centered")
    state_arrays = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr, alpha=float(alpha), eps=float(eps),
                         weight_decay=float(weight_decay), momentum=float(momentum),
                         centered=bool(centered))

    def _check_group(self, group):
        for key in ("alpha", "eps", "weight_decay", "momentum"):
            group[key] = check_at_least("RMSprop", key, group[key])
        if group["alpha"] > 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {group['alpha']}")

    def _update(self, param, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        if not state:
            state["square_avg"] = np.zeros_like(param)
            if momentum:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1.0 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (grad / avg)
