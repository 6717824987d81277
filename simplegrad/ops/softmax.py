"""Softmax, log-softmax and the fused losses on logits: softmax + cross-entropy, and
sigmoid + binary cross-entropy.

All of them subtract the row maximum (or use |z|) before exponentiating, so logits of magnitude
1e3 give exact results instead of inf/NaN; a loss is computed from log-probabilities, never
log(softmax + eps).
"""
import numpy as np

from simplegrad import parallel
from simplegrad.autograd import Function
from simplegrad.ops.elementwise import floating
from simplegrad.ops.reduce import peak


def _shifted_exp(z, axis):
    """exp(z - max(z)) along `axis`, and its sum: the stable pieces of softmax."""
    shifted = z - peak(z, axis)
    exps = np.exp(shifted)
    return shifted, exps, exps.sum(axis=axis, keepdims=True)


class Softmax(Function):
    """exp(a / T) normalised along `axis` (T is the temperature)."""

    @staticmethod
    def forward(ctx, a, axis=-1, temperature=1.0):
        a = floating(a)
        ctx.axis, ctx.temperature = axis, temperature
        z = a / temperature if temperature != 1 else a

        def rows(out, z):  # the rows are independent: shared out over simplegrad's threads
            _, exps, total = _shifted_exp(z, axis)
            np.divide(exps, total, out=out)

        out = parallel.elementwise(rows, np.empty_like(z), z, whole=(axis,))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        axis, temperature = ctx.axis, ctx.temperature

        def rows(grad_z, grad, out):
            np.multiply(out, grad - (grad * out).sum(axis=axis, keepdims=True), out=grad_z)
            if temperature != 1:
                grad_z /= temperature

        if grad.shape != out.shape:
            grad = np.broadcast_to(grad, out.shape)
        return parallel.elementwise(rows, np.empty_like(out, dtype=np.result_type(grad, out)),
                                    grad, out, whole=(axis,))


class LogSoftmax(Function):
    """a - logsumexp(a) along `axis`."""

    @staticmethod
    def forward(ctx, a, axis=-1):
        a = floating(a)
        ctx.axis = axis
        shifted, _, total = _shifted_exp(a, axis)
        with np.errstate(divide="ignore"):  # the sum is 0 only over an empty axis
            out = shifted - np.log(total)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


def _class_indices(targets, logits_shape):
    """Check integer class targets against the logits and return them flattened."""
    if targets.shape != logits_shape[:-1]:
        raise ValueError(f"cross_entropy: integer targets have shape {targets.shape}, "
                         f"expected {logits_shape[:-1]} for logits of shape {logits_shape}")
    labels = targets.reshape(-1).astype(np.intp, copy=False)
    classes = logits_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)][0]
        raise ValueError(f"cross_entropy: target {bad} is outside [0, {classes}) for "
                         f"logits with {classes} classes")
    return labels


class CrossEntropy(Function):
    """Mean over rows of -log softmax(logits)[target], class axis last, fused with softmax.

    Targets are integer class indices (shape logits.shape[:-1]) or one-hot/soft float rows
    (the logits' shape). The gradient is simply (softmax - target) / rows.
    """

    @staticmethod
    def forward(ctx, logits, targets):
        if logits.ndim == 0:
            raise ValueError("cross_entropy: logits must have a class axis, got a 0-d tensor")
        targets = np.asarray(targets)
        classes = logits.shape[-1]
        z = logits.reshape(-1, classes)
        shifted, exps, total = _shifted_exp(z, -1)
        rows = z.shape[0]
        ctx.rows, ctx.shape = rows, logits.shape
        ctx.probs = exps / total
        if targets.dtype.kind in "iu" or (targets.shape == logits.shape[:-1]
                                           and np.array_equal(targets, np.round(targets))):
            labels = _class_indices(targets, logits.shape)
            ctx.labels = labels
            picked = shifted[np.arange(rows), labels] - np.log(total[:, 0])
            return -picked.sum() / rows
        if targets.shape != logits.shape:
            raise ValueError(f"cross_entropy: float targets have shape {targets.shape}, "
                             f"expected the logits' shape {logits.shape} (one-hot or soft "
                             f"rows), or pass integer class indices")
        ctx.labels = None
        ctx.soft = targets.reshape(-1, classes).astype(logits.dtype, copy=False)
        ctx.log_probs = shifted - np.log(total)
        return -(ctx.soft * ctx.log_probs).sum() / rows

    @staticmethod
    def backward(ctx, grad):
        scale = grad / ctx.rows
        grad_logits = grad_targets = None
        if ctx.needs_input_grad[0]:
            if ctx.labels is not None:
                grad_logits = ctx.probs * scale
                grad_logits[np.arange(ctx.rows), ctx.labels] -= scale
            else:
                grad_logits = (ctx.probs * ctx.soft.sum(axis=1, keepdims=True) - ctx.soft) * scale
            grad_logits = grad_logits.reshape(ctx.shape)
        if ctx.labels is None and ctx.needs_input_grad[1]:
            grad_targets = (-ctx.log_probs * scale).reshape(ctx.shape)
        return grad_logits, grad_targets


class BinaryCrossEntropyWithLogits(Function):
    """Elementwise -[p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] (p: the optional
    pos_weight, 1 when absent), written as (1 - y) z + (1 + (p - 1) y) softplus(-z) with
    softplus(-z) = max(-z, 0) + log(1 + exp(-|z|)), so no exp overflows. Without pos_weight
    that is max(z, 0) - z y + log(1 + exp(-|z|)), whose gradient is the smooth sigmoid(z) - y
    (built from relu and abs, it would be -y at z = 0: their kinks)."""
    shape_error = "binary_cross_entropy_with_logits: shapes {shapes} do not broadcast together"

    @staticmethod
    def forward(ctx, z, y, pos_weight=None):
        ctx.save_for_backward(z, y, pos_weight)
        if pos_weight is None:
            return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        log_weight = 1 + (pos_weight - 1) * y
        return (1 - y) * z + log_weight * _softplus_neg(z)

    @staticmethod
    def backward(ctx, grad):
        z, y, pos_weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_z = grad_y = grad_pos = None
        if needs[0]:
            e = np.exp(-np.abs(z))
            sigmoid = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
            if pos_weight is None:
                grad_z = grad * (sigmoid - y)
            else:
                grad_z = grad * ((1 - y) + (1 + (pos_weight - 1) * y) * (sigmoid - 1))
        if needs[1]:
            grad_y = grad * -z if pos_weight is None else \
                grad * (-z + (pos_weight - 1) * _softplus_neg(z))
        if len(needs) > 2 and needs[2]:
            grad_pos = grad * y * _softplus_neg(z)
        return grad_z, grad_y, grad_pos


def _softplus_neg(z):
    """softplus(-z) = -log sigmoid(z), without overflow."""
    return np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z)))
