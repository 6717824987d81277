"""Cases of tasks 9 and 10 (optim.py): an SGD step and an Adam step."""
import numpy as np

from simplegrad import nn, optim
from simplegrad_cli.learn.checks import case, expect, expect_close


# ---- tasks 9 and 10: optimizer steps ------------------------------------------------------
def parameter(values):
    return nn.Parameter(np.array(values, dtype=np.float32))


def stepped(opt, params, grads):
    """Give each parameter its gradient (None: none this step) and take one step."""
    for p, g in zip(params, grads):
        p.grad = None if g is None else np.array(g, dtype=np.float32)
    before = [p.data for p in params]
    opt.step()
    for p, array in zip(params, before):
        expect(p.data is array, "the parameter's array was replaced: change `param` in place "
                                "(param -= ...)")


IN_PLACE = "change param in place: `param -= ...` (`param = param - ...` only renames it)"
GRADS = [[0.5, -1.0], [0.2, 0.3], [-0.4, 0.1], [1.0, 1.0], [0.0, -2.0]]


@case(9, "one plain step: param -= lr * grad", IN_PLACE)
def _sgd(sgd_update):
    p = parameter([1.0, 2.0])
    stepped(optim.SGD([p], lr=0.1), [p], [[0.5, -1.0]])
    expect_close(p.data, [0.95, 2.1], "the parameter")


@case(9, "momentum 0.9 over 4 steps", "state['momentum_buffer'] is grad at the first step, then "
      "momentum * buffer + grad; param -= lr * buffer")
def _sgd_momentum(sgd_update):
    p = parameter([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    want, buffer = np.array([1.0, 2.0]), None
    for g in GRADS[:4]:
        stepped(opt, [p], [g])
        buffer = np.array(g) if buffer is None else 0.9 * buffer + g
        want = want - 0.1 * buffer
    expect_close(p.data, want, "the parameter after 4 steps")


@case(9, "float32 stays float32, and grad is not changed", "use in-place operations on param "
      "and state only; never write into grad")
def _sgd_types(sgd_update):
    p = parameter([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    stepped(opt, [p], [[0.5, -1.0]])
    stepped(opt, [p], [[0.5, -1.0]])
    expect(p.data.dtype == np.float32, f"the parameter became {p.data.dtype}")
    expect_close(p.grad, [0.5, -1.0], "the gradient after the step")


def adam_steps(grads, lr=0.1, betas=(0.9, 0.999), eps=1e-8, start=(1.0, -2.0)):
    """The parameter after Adam steps with these gradients, by PyTorch's formula."""
    p, m, v = np.array(start), 0.0, 0.0
    for t, g in enumerate(grads, 1):
        g = np.array(g)
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        p = p - lr / (1 - betas[0] ** t) * m / (np.sqrt(v) / np.sqrt(1 - betas[1] ** t) + eps)
    return p


ADAM_HINT = ("state['step'] += 1 (t), m and v as in the docstring, then "
             "param -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)")


@case(10, "the first step moves each weight by lr", ADAM_HINT + "; at t = 1 the bias "
      "corrections make the step lr * g / |g|")
def _adam_first(adam_update):
    p = parameter([1.0, -2.0])
    stepped(optim.Adam([p], lr=0.1), [p], [[0.3, -5.0]])
    expect_close(p.data, [0.9, -1.9], "the parameter")


@case(10, "five steps follow PyTorch's rule", ADAM_HINT)
def _adam_steps(adam_update):
    p = parameter([1.0, -2.0])
    opt = optim.Adam([p], lr=0.1, betas=(0.8, 0.99))
    for g in GRADS:
        stepped(opt, [p], [g])
    expect_close(p.data, adam_steps(GRADS, betas=(0.8, 0.99)), "the parameter after 5 steps")
    expect(p.data.dtype == np.float32, f"the parameter became {p.data.dtype}")


@case(10, "each parameter counts its own steps", "keep t in this parameter's state "
      "(state['step']), not in the optimizer: b had no gradient for 3 steps, so its first "
      "step is t = 1")
def _adam_counts(adam_update):
    a, b = parameter([1.0, -2.0]), parameter([1.0, -2.0])
    opt = optim.Adam([a, b], lr=0.1)
    for g in GRADS[:3]:
        stepped(opt, [a, b], [g, None])
    stepped(opt, [a, b], [GRADS[3], GRADS[0]])
    expect_close(a.data, adam_steps(GRADS[:4]), "a after its 4 steps")
    expect_close(b.data, adam_steps(GRADS[:1]), "b after its first step")
