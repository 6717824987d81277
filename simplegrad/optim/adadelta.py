"""Adadelta, updating the parameter and its running averages in place."""
import numpy as np

from simplegrad.optim.optimizer import Optimizer, check_at_least


class Adadelta(Optimizer):
    """Adadelta (Zeiler) with PyTorch's update rule.

    g = grad + weight_decay * p;  v = rho * v + (1 - rho) * g^2;
    delta = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * delta^2;
    p -= lr * delta.
    """

    hyperparams = ("rho", "eps", "weight_decay")
    state_arrays = ("square_avg", "acc_delta")

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0):
        super().__init__(params, lr, rho=float(rho), eps=float(eps),
                         weight_decay=float(weight_decay))

    def _check_group(self, group):
        for key in ("rho", "eps", "weight_decay"):
            group[key] = check_at_least("Adadelta", key, group[key])
        if group["rho"] > 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']}")

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        if not state:
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1.0 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1.0 - rho) * delta * delta
        param -= group["lr"] * delta
