"""Cases of tasks 3 to 7 (ops.py): the backward of Mul, Sum, ReLU, MatMul and cross-entropy."""
from types import SimpleNamespace

import numpy as np

from simplegrad_cli.learn.checks import case, expect, expect_close, expect_gradcheck, leaf, random


# ---- tasks 3 to 7: backward of ops --------------------------------------------------------
def expect_none_for_a_constant(backward, saved, grad):
    """backward returns None for the second input when ctx.needs_input_grad says it needs none."""
    ctx = SimpleNamespace(saved_tensors=saved, needs_input_grad=(True, False))
    grads = backward(ctx, grad)
    expect(isinstance(grads, tuple) and len(grads) == 2,
           f"backward returned {type(grads).__name__}, expected a pair (one per input)")
    expect(grads[1] is None, "the second input needs no gradient (ctx.needs_input_grad is "
                             "(True, False)), but backward returned one")


NO_WRITES = ("return new arrays: `grad` is read-only, since the same array may be another "
             "branch's gradient")
MUL_HINT = "y = a * b: dL/da = grad * b and dL/db = grad * a (docs/derivations.md section 1)"


@case(3, "a * b, shapes (2, 3): gradient check", MUL_HINT + "; " + NO_WRITES)
def _mul(mul_backward):
    expect_gradcheck(lambda a, b: a * b, [random(2, 3), random(2, 3, seed=1)])


@case(3, "broadcasting (3, 1) * (4,): gradient check", MUL_HINT + "; return gradients in the "
      "broadcast shape (3, 4): the engine sums them back")
def _mul_broadcast(mul_backward):
    expect_gradcheck(lambda a, b: a * b, [random(3, 1), random(4, seed=1)])


@case(3, "the same tensor twice: (x * x).sum() gives 2x", MUL_HINT)
def _mul_twice(mul_backward):
    x = leaf([1.5, -2.0])
    (x * x).sum().backward()
    expect_close(x.grad, [3.0, -4.0], "x.grad")


@case(3, "x * 3: None for the constant", "return None for an input whose "
      "ctx.needs_input_grad entry is False: nobody will read its gradient")
def _mul_constant(mul_backward):
    expect_none_for_a_constant(mul_backward, (random(2), np.array(3.0)), np.ones(2))


SUM_HINT = ("reshape grad so the summed axes are back with size 1 (unless ctx.keepdims), then "
            "np.broadcast_to(grad, ctx.shape) (docs/derivations.md section 4)")


@case(4, "x.sum() of a (3, 4) tensor: gradient check", SUM_HINT)
def _sum_all(sum_backward):
    expect_gradcheck(lambda x: x.sum(), [random(3, 4)])


@case(4, "sums over axis 0, axis -1 and axes (0, 2) of a (2, 3, 4) tensor", SUM_HINT)
def _sum_axes(sum_backward):
    for axis in (0, -1, (0, 2)):
        expect_gradcheck(lambda x: x.sum(axis=axis), [random(2, 3, 4)])


@case(4, "keepdims=True", SUM_HINT)
def _sum_keepdims(sum_backward):
    expect_gradcheck(lambda x: x.sum(axis=1, keepdims=True), [random(2, 3, 4)])


RELU_HINT = "grad where the saved output is not 0, else 0: grad * (out != 0)"


@case(5, "relu away from 0: gradient check", RELU_HINT)
def _relu(relu_backward):
    x = random(3, 4)
    expect_gradcheck(lambda t: t.relu(), [x + np.sign(x) * 0.1])


@case(5, "at exactly 0 the gradient is 0", RELU_HINT + " (not out >= 0)")
def _relu_zero(relu_backward):
    x = leaf([0.0, 2.0, -1.0])
    x.relu().sum().backward()
    expect_close(x.grad, [0.0, 1.0, 0.0], "x.grad")


MATMUL_HINT = ("dL/da = grad @ bᵀ, dL/db = aᵀ @ grad, with ᵀ = np.swapaxes(·, -1, -2) "
               "(docs/derivations.md section 2)")


@case(6, "(3, 4) @ (4, 2): gradient check", MATMUL_HINT)
def _matmul(matmul_backward):
    expect_gradcheck(lambda a, b: a @ b, [random(3, 4), random(4, 2, seed=1)])


@case(6, "batched (2, 3, 4) @ (2, 4, 5), and (2, 3, 4) @ (4, 5)", MATMUL_HINT + "; np.matmul "
      "multiplies the last two axes and broadcasts the others")
def _matmul_batched(matmul_backward):
    expect_gradcheck(lambda a, b: a @ b, [random(2, 3, 4), random(2, 4, 5, seed=1)])
    expect_gradcheck(lambda a, b: a @ b, [random(2, 3, 4), random(4, 5, seed=1)])


@case(6, "x @ W with a constant W: None for it", "return None for an input whose "
      "ctx.needs_input_grad entry is False")
def _matmul_constant(matmul_backward):
    expect_none_for_a_constant(matmul_backward, (random(3, 4), random(4, 2)), np.ones((3, 2)))


CE_HINT = ("(ctx.probs - onehot(ctx.labels)) / ctx.rows * grad, reshaped to ctx.shape; return it "
           "and None (docs/derivations.md section 5)")


@case(7, "4 rows of 3 classes: gradient check", CE_HINT)
def _cross_entropy(cross_entropy_backward):
    expect_gradcheck(lambda z: z.cross_entropy_loss(np.array([0, 2, 1, 2])), [random(4, 3)])


@case(7, "twice the loss: the gradient doubles", CE_HINT + "; multiply by grad, which is 2 here")
def _cross_entropy_scaled(cross_entropy_backward):
    z = leaf([[1.0, 2.0, 0.5]])
    (z.cross_entropy_loss(np.array([1])) * 2).backward()
    p = np.exp(z.data) / np.exp(z.data).sum()
    expect_close(z.grad, 2 * (p - [[0.0, 1.0, 0.0]]), "z.grad")


@case(7, "logits of shape (2, 3, 5) (a batch of sequences): gradient check",
      CE_HINT + "; forward flattened the logits to (6, 5): reshape to ctx.shape")
def _cross_entropy_sequences(cross_entropy_backward):
    labels = np.array([[0, 4, 2], [1, 1, 3]])
    expect_gradcheck(lambda z: z.cross_entropy_loss(labels), [random(2, 3, 5)])
