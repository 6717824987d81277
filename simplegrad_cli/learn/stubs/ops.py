"""Tasks 3 to 7: the backward of five ops. docs/derivations.md derives each one.

Each function is an op's `backward(ctx, grad)`: `grad` is dLoss/dOutput (an ndarray of the
output's shape; read-only: never change it in place), and you return dLoss/dInput for each input
of forward, in order (None for an input that needs no gradient). `ctx` holds what the op's
forward saved. The grader puts your function in place of the library's own and runs real
graphs and gradient checks through it.
Check your work with: simplegrad learn check THIS_FOLDER --task 3
"""
import numpy as np


def mul_backward(ctx, grad):
    """Task 3. y = a * b (elementwise, with NumPy broadcasting).

    `ctx.saved_tensors` is `(a, b)`, the input arrays; `ctx.needs_input_grad` is a pair of
    booleans: return None for an input whose entry is False (a constant such as the 3 in
    x * 3), and its gradient otherwise. You may return gradients in the broadcast shape: the
    engine sums them back to each input's shape (task 2).

    The library's answer: simplegrad/ops/elementwise.py, `Mul.backward`.
    """
    raise NotImplementedError("task 3: write mul_backward in ops.py")


def sum_backward(ctx, grad):
    """Task 4. y = a.sum(axis, keepdims). Return the one gradient, of the input's shape.

    `ctx.shape` is the input's shape, `ctx.axes` the summed axes (a sorted tuple of
    non-negative ints: all axes for axis=None), `ctx.keepdims` whether they were kept (with
    size 1). Every input element moved the sum one for one, so each gets the gradient of the
    sum it went into: put the summed axes back as size 1 (unless they were kept) and
    broadcast to `ctx.shape`.

    The library's answer: simplegrad/ops/reduce.py, `Sum.backward`.
    """
    raise NotImplementedError("task 4: write sum_backward in ops.py")


def relu_backward(ctx, grad):
    """Task 5. y = max(a, 0). `ctx.saved_tensors` is `(y,)`, the OUTPUT (not the input).

    The gradient passes where the output is not 0 and is 0 elsewhere. At a = 0 the slope is
    taken as 0, as in PyTorch (docs/derivations.md, section 12).

    The library's answer: simplegrad/ops/elementwise.py, `ReLU.backward`.
    """
    raise NotImplementedError("task 5: write relu_backward in ops.py")


def matmul_backward(ctx, grad):
    """Task 6. y = a @ b, with a (..., n, k) and b (..., k, m): both have at least 2 axes, and
    the leading (batch) axes broadcast as in np.matmul.

    `ctx.saved_tensors` is `(a, b)`, `ctx.needs_input_grad` a pair of booleans. Return
    (dL/da, dL/db): grad @ bᵀ and aᵀ @ grad, where ᵀ swaps the last two axes
    (np.swapaxes(x, -1, -2)). A batched gradient for a 2-D input is summed back by the engine.

    The library's answer: simplegrad/ops/linalg.py, `MatMul.backward` (it also handles 1-D).
    """
    raise NotImplementedError("task 6: write matmul_backward in ops.py")


def cross_entropy_backward(ctx, grad):
    """Task 7. loss = mean over rows of -log softmax(logits)[label]; forward flattened the
    logits to `rows` rows of C classes.

    `ctx.probs` is softmax(logits), shape (rows, C); `ctx.labels` the integer class of each
    row, shape (rows,); `ctx.rows` the number of rows; `ctx.shape` the logits' own shape.
    `grad` is the gradient of the loss (a 0-d array: 1 for loss.backward()).
    Return (dL/dlogits of shape ctx.shape, None): the second input, the labels, needs none.
    The gradient is (softmax - onehot(labels)) / rows, times grad.

    The library's answer: simplegrad/ops/softmax.py, `CrossEntropy.backward`.
    """
    raise NotImplementedError("task 7: write cross_entropy_backward in ops.py")
