"""Fused normalisations for the nn layers: layer norm and batch norm, each one graph node
whose backward is the closed-form gradient of (x - mean) / std."""
import numpy as np

from simplegrad import parallel
from simplegrad.autograd import Function


def _normalize_backward(grad_xhat, xhat, rstd, axes):
    """d loss / d x for xhat = (x - mean) * rstd with mean and var taken over `axes`."""
    mean_g = grad_xhat.mean(axis=axes, keepdims=True)
    mean_gx = (grad_xhat * xhat).mean(axis=axes, keepdims=True)
    return rstd * (grad_xhat - mean_g - xhat * mean_gx)


def _affine_grads(ctx, grad, xhat, axes, param_shape):
    """Gradients of weight and bias in out = xhat * weight + bias (None when not needed)."""
    needs = ctx.needs_input_grad
    grad_w = grad_b = None
    if len(needs) > 1 and needs[1]:
        grad_w = (grad * xhat).sum(axis=axes).reshape(param_shape)
    if len(needs) > 2 and needs[2]:
        grad_b = grad.sum(axis=axes).reshape(param_shape)
    return grad_w, grad_b


class LayerNorm(Function):
    """Normalise over the last `ndim` axes, then scale by weight and shift by bias."""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, ndim=1, eps=1e-5):
        axes = tuple(range(x.ndim - ndim, x.ndim))
        dtype = np.result_type(x, *(p for p in (weight, bias) if p is not None))
        out, xhat = np.empty(x.shape, dtype), np.empty(x.shape, dtype)
        rstd = np.empty([1 if i in axes else n for i, n in enumerate(x.shape)], dtype)

        def rows(out, xhat, rstd, x):  # each row on its own: shared out over the threads
            xc = x - x.mean(axis=axes, keepdims=True)
            var = np.mean(xc * xc, axis=axes, keepdims=True)
            np.divide(1.0, np.sqrt(var + eps), out=rstd)
            np.multiply(xc, rstd, out=xhat)
            if weight is None:
                np.copyto(out, xhat)
            else:
                np.multiply(xhat, weight, out=out)
            if bias is not None:
                out += bias

        parallel.elementwise(rows, out, xhat, rstd, x, whole=axes)
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.axes = axes
        return out

    @staticmethod
    def backward(ctx, grad):
        xhat, rstd, weight = ctx.saved_tensors
        if grad.shape != xhat.shape:
            grad = np.broadcast_to(grad, xhat.shape)

        def rows(grad_x, grad, xhat, rstd):
            grad_xhat = grad * weight if weight is not None else grad
            grad_x[...] = _normalize_backward(grad_xhat, xhat, rstd, ctx.axes)

        grad_x = parallel.elementwise(rows, np.empty(xhat.shape, np.result_type(grad, xhat)),
                                      grad, xhat, rstd, whole=ctx.axes)
        lead = tuple(range(grad.ndim - len(ctx.axes)))
        return (grad_x, *_affine_grads(ctx, grad, xhat, lead, grad.shape[len(lead):]))


class BatchNorm(Function):
    """Normalise each channel (axis 1) over the batch and any spatial axes.

    Training (or no running stats): batch statistics, and `running_mean`/`running_var`
    (if given) are updated in place with `momentum` (the variance unbiased, as PyTorch).
    Evaluation: the running statistics, so the output no longer depends on the batch.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=True, momentum=0.1, eps=1e-5):
        if x.ndim < 2:
            raise ValueError(f"batch_norm: expected (N, C, ...) input, got shape {x.shape}")
        axes = (0, *range(2, x.ndim))
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        use_batch = training or running_mean is None
        if use_batch:
            count = x.size // x.shape[1]
            if count < 2 and training:
                raise ValueError(f"batch_norm: need more than 1 value per channel when "
                                 f"training, got input of shape {x.shape}")
            mean = x.mean(axis=axes, keepdims=True)
            xc = x - mean
            var = np.mean(xc * xc, axis=axes, keepdims=True)
            if training and running_mean is not None:
                m = float(momentum)
                running_mean *= 1.0 - m
                running_mean += m * mean.reshape(-1)
                running_var *= 1.0 - m
                running_var += (m * count / (count - 1)) * var.reshape(-1)
        else:
            xc = x - running_mean.reshape(shape)
            var = running_var.reshape(shape)
        rstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * rstd
        w = None if weight is None else weight.reshape(shape)
        ctx.save_for_backward(xhat, rstd, w)
        ctx.axes, ctx.use_batch = axes, use_batch
        out = xhat * w if w is not None else xhat
        return out + bias.reshape(shape) if bias is not None else out

    @staticmethod
    def backward(ctx, grad):
        xhat, rstd, w = ctx.saved_tensors
        grad_xhat = grad * w if w is not None else grad
        if ctx.use_batch:
            grad_x = _normalize_backward(grad_xhat, xhat, rstd, ctx.axes)
        else:
            grad_x = grad_xhat * rstd
        return (grad_x, *_affine_grads(ctx, grad, xhat, ctx.axes, (grad.shape[1],)))


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` axes, then weight * xhat + bias."""
    ndim = 1 if isinstance(normalized_shape, (int, np.integer)) else len(normalized_shape)
    return LayerNorm.apply(x, weight, bias, ndim=ndim, eps=eps)


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over axis 1 (PyTorch's F.batch_norm argument order)."""
    return BatchNorm.apply(x, weight, bias, running_mean=running_mean, running_var=running_var,
                           training=training, momentum=momentum, eps=eps)
