"""Tasks 9 and 10: one optimizer step for one parameter, as simplegrad's optimizers take it.

Each function is an optimizer's `_update(self, param, grad, state, group)`: `param` is the
parameter's ndarray, to change IN PLACE (`param -= ...`: a new array would leave the model
unchanged); `grad` its gradient (do not change it); `state` a dict that belongs to this
parameter and is kept between steps (empty at the first step); `group` the settings of the
parameter's group (`group["lr"]`, ...: PyTorch's param_groups; `self` is the optimizer).
Keep float32 float32: use in-place operations.
Check your work with: simplegrad learn check THIS_FOLDER --task 9
"""
import numpy as np


def sgd_update(self, param, grad, state, group):
    """Task 9. SGD with momentum, PyTorch's rule. `group["lr"]`, `group["momentum"]` (may be 0).

    Without momentum: param -= lr * grad.
    With momentum: keep a buffer in state["momentum_buffer"]; at the first step it is a copy
    of grad, after that buffer = momentum * buffer + grad. Then param -= lr * buffer.
    (The grader leaves weight_decay, dampening and nesterov at 0: you may ignore them.)

    The library's answer: simplegrad/optim/sgd.py, `SGD._update`.
    """
    raise NotImplementedError("task 9: write sgd_update in optim.py")


def adam_update(self, param, grad, state, group):
    """Task 10. Adam, PyTorch's rule. `group["lr"]`, `group["betas"]` (b1, b2), `group["eps"]`.

    Keep in `state`: "step" (this parameter's own step count t, starting at 1), "exp_avg" (m)
    and "exp_avg_sq" (v), both zeros of param's shape at the start. Each step:
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        param -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)
    Count t per parameter: a parameter that had no gradient on some steps has taken fewer
    steps than the others (the original simplegrad got this wrong).
    (The grader leaves weight_decay at 0: you may ignore it.)

    The library's answer: simplegrad/optim/adam.py, `Adam._update`.
    """
    raise NotImplementedError("task 10: write adam_update in optim.py")
