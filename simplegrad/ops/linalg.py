"""Matrix products: matmul (NumPy semantics: 1-D, 2-D, batched) and the fused `linear`."""
import functools
import math

import numpy as np

from simplegrad import parallel
from simplegrad.autograd import Function, OpError
from simplegrad.ops.elementwise import F64, promoted

TASK_MACS = 1 << 22  # multiply-adds per task: below twice this, a matmul is not shared out
MAX_TASKS = 4        # each task packs the whole right operand again: few, large tasks


def _task_count(macs, most):
    """How many blocks a product of `macs` multiply-adds is cut into: 1, 2 or 4 (powers of two
    divide evenly over two or four threads), at most `most`; depends on the sizes alone."""
    tasks = min(MAX_TASKS, macs // TASK_MACS, most)
    return 1 << (tasks.bit_length() - 1) if tasks > 1 else 1


def batch_matmul(a, b):
    """a @ b, the matrices of a batch (equal leading axes) shared out over simplegrad's threads
    in fixed blocks when the product is large (attention's q @ k^T and weights @ v); any other
    shapes as np.matmul."""
    if a.ndim < 3 or a.shape[:-2] != b.shape[:-2]:
        return np.matmul(a, b)
    count = a.shape[0]
    macs = math.prod(a.shape) * b.shape[-1]
    tasks = _task_count(macs, count)
    if tasks < 2:
        return np.matmul(a, b)
    out = np.empty((*a.shape[:-1], b.shape[-1]), dtype=np.result_type(a, b))
    parallel.run([functools.partial(np.matmul, a[block], b[block], out=out[block])
                  for block in parallel.chunks(count, -(-count // tasks))])
    return out


def rows_matmul(a, b):
    """a @ b for 2-D arrays, blocks of a's rows shared out over simplegrad's threads when the
    product is large. The blocks depend on the shapes alone, so the bits do not depend on the
    number of threads (one thread runs the same blocks: BLAS may give a small block other bits
    than the whole product)."""
    m, k = a.shape
    n = b.shape[1]
    tasks = _task_count(m * k * n, m // 16)
    if tasks < 2:
        return np.matmul(a, b)
    out = np.empty((m, n), dtype=np.result_type(a, b))
    rows = -(-m // tasks)
    parallel.run([functools.partial(np.matmul, a[block], b, out=out[block])
                  for block in parallel.chunks(m, rows)])
    return out


class MatMul(Function):
    """a @ b. 1-D operands are promoted like np.matmul; batch dimensions broadcast."""
    shape_error = ("matmul: shapes {0} and {1} do not match: the last axis of the first must equal "
                   "the second-to-last of the second (or the only axis of a 1-D operand)")

    @staticmethod
    def forward(ctx, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise OpError(f"matmul: both operands need at least one axis, got shapes "
                             f"{np.shape(a)} and {np.shape(b)} (use * to scale by a number)")
        out = rows_matmul(a, b) if np.ndim(a) == 2 == np.ndim(b) else batch_matmul(a, b)
        if out.dtype is F64 and getattr(a, "dtype", None) is not F64:
            out, a, b = promoted(np.matmul, out, a, b)
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # inner product: a 0-d result
            return grad * b, grad * a
        # Promote 1-D operands to matrices so one formula covers every case.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        grad_a = grad_b = None
        product = rows_matmul if a.ndim == 2 == b.ndim else batch_matmul
        if ctx.needs_input_grad[0]:
            grad_a = product(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if ctx.needs_input_grad[1]:
            grad_b = product(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Function):
    """x @ weight + bias in one node: weight is (in, out), x is (..., in).

    Fusing saves a graph node and a temporary per layer, and the bias gradient is one sum.
    """
    shape_error = "linear: input {0} does not fit weight {1}: expected (..., in) and (in, out)"

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        if x.ndim >= 2 and weight.ndim == 2:  # batch dimensions folded into rows
            rows = math.prod(x.shape[:-1])
            out = rows_matmul(x.reshape(rows, x.shape[-1]), weight)
            out = out.reshape(*x.shape[:-1], weight.shape[1])
        else:
            out = np.matmul(x, weight)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        grad_w = grad_b = None
        if x.ndim != 2:  # fold batch dimensions (or a single vector) into rows
            rows = math.prod(x.shape[:-1])  # not -1: a size-0 axis would make it ambiguous
            x2, grad2 = x.reshape(rows, x.shape[-1]), grad.reshape(rows, grad.shape[-1])
        else:
            x2, grad2 = x, grad
        grad_x = rows_matmul(grad2, weight.T).reshape(x.shape) if need_x else None
        if need_w:
            grad_w = rows_matmul(x2.T, grad2)
        if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
            grad_b = grad2.sum(axis=0)
        return grad_x, grad_w, grad_b


def linear(x, weight, bias=None):
    """x @ weight + bias as one fused op (weight has shape (in_features, out_features))."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
