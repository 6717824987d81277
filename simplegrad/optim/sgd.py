"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""
import numpy as np

from simplegrad.optim.optimizer import Optimizer, check_at_least


class SGD(Optimizer):
    """SGD with PyTorch's update rule.

    g = grad + weight_decay * p;  buf = momentum * buf + (1 - dampening) * g  (buf = g at first);
    g = g + momentum * buf if nesterov else buf;  p -= lr * g.
    `lr` defaults to 1e-3, as in the original simplegrad and PyTorch 2.
    """

    hyperparams = ("momentum", "dampening", "nesterov", "weight_decay")
    state_arrays = ("momentum_buffer",)

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, *,
                 dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                         weight_decay=weight_decay)

    def _check_group(self, group):
        for key in ("momentum", "dampening", "weight_decay"):
            group[key] = check_at_least("SGD", key, group[key])
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")

    def _update(self, param, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param  # a new array: p.grad stays untouched
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=param.dtype)
            else:
                buf *= momentum
                buf += grad if not group["dampening"] else (1.0 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
