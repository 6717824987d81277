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
        super().__init__(params, lr)
        self.set_hyperparams(momentum, dampening, nesterov, weight_decay)

    def set_hyperparams(self, momentum, dampening, nesterov, weight_decay):
        momentum, dampening, weight_decay = (check_at_least("SGD", name, value) for name, value in
                                             [("momentum", momentum), ("dampening", dampening),
                                              ("weight_decay", weight_decay)])
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        self.momentum, self.dampening = momentum, dampening
        self.nesterov, self.weight_decay = bool(nesterov), weight_decay

    def _update(self, param, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * param  # a new array: p.grad stays untouched
        momentum = self.momentum
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=param.dtype)
            else:
                buf *= momentum
                buf += grad if not self.dampening else (1.0 - self.dampening) * grad
            grad = grad + momentum * buf if self.nesterov else buf
        param -= self.lr * grad
