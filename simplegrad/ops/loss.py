"""Binary cross-entropy on probabilities, with PyTorch's guards: each log is clamped at -100
(so a confident wrong prediction costs 100, not inf) and the gradient's denominator x (1 - x)
at 1e-12. Losses on logits (fused with softmax or sigmoid) are in softmax.py."""
import numpy as np

from simplegrad.autograd import Function, OpError

LOG_FLOOR = -100.0  # PyTorch's clamp of log(x) and log(1 - x)
GRAD_EPSILON = 1e-12  # PyTorch's floor of x (1 - x) in the gradient


class BinaryCrossEntropy(Function):
    """-[y log x + (1 - y) log(1 - x)] elementwise, for probabilities x in [0, 1]."""
    shape_error = "binary_cross_entropy: shapes {shapes} do not broadcast together"

    @staticmethod
    def forward(ctx, x, y):
        inside = (x >= 0) & (x <= 1)
        if not np.all(inside):
            bad = np.asarray(x)[~inside].flat[0]
            raise OpError(f"binary_cross_entropy: input values must be probabilities in "
                          f"[0, 1], got {bad} (for logits use binary_cross_entropy_with_logits)")
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), LOG_FLOOR)
            log_rest = np.maximum(np.log1p(-x), LOG_FLOOR)
        return (y - 1) * log_rest - y * log_x

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - y) / np.maximum((1 - x) * x, GRAD_EPSILON)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                grad_y = grad * (np.log1p(-x) - np.log(x))
        return grad_x, grad_y
