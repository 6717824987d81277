"""Image ops on NCHW arrays (conv2d, max/avg pooling) and the fused normalisations the nn
layers use (batch norm, layer norm).

Convolution is im2col: a strided *view* of every kh x kw window (sliding_window_view, no
copy), flattened once into a matrix so the whole layer is one BLAS matmul. Backward scatters
window gradients back with one vectorised add per kernel offset (kh * kw adds, never a loop
over pixels).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from simplegrad.autograd import Function


def _pair(value, name):
    """Accept 3 or (3, 3) for kernel size, stride and padding."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def _pad(x, ph, pw, value=0.0):
    """Pad the two spatial axes of an NCHW array."""
    if not (ph or pw):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _windows(xp, kh, kw, sh, sw, op):
    """(N, C, Ho, Wo, kh, kw) view of every window of the padded input (no copy)."""
    if xp.ndim != 4:
        raise ValueError(f"{op}: expected an NCHW input with 4 dimensions, got shape {xp.shape}")
    if xp.shape[2] < kh or xp.shape[3] < kw:
        raise ValueError(f"{op}: kernel {kh}x{kw} is larger than the padded input "
                         f"{xp.shape[2]}x{xp.shape[3]}")
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def _scatter_windows(dwin, padded_shape, sh, sw):
    """Sum window gradients (N, C, Ho, Wo, kh, kw) back onto the padded input grid."""
    out = np.zeros(padded_shape, dtype=dwin.dtype)
    ho, wo, kh, kw = dwin.shape[2:]
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += dwin[..., i, j]
    return out


def _crop(xp, ph, pw):
    """Undo `_pad` on a gradient."""
    h, w = xp.shape[2] - 2 * ph, xp.shape[3] - 2 * pw
    return xp[:, :, ph:ph + h, pw:pw + w]


class Conv2d(Function):
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,)."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0):
        (sh, sw), (ph, pw) = _pair(stride, "conv2d stride"), _pair(padding, "conv2d padding")
        if weight.ndim != 4 or x.ndim != 4 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv2d: input {x.shape} and weight {weight.shape} do not match "
                             f"(expected (N, C, H, W) and (out, C, kh, kw))")
        n, c = x.shape[:2]
        o, _, kh, kw = weight.shape
        xp = _pad(x, ph, pw)
        win = _windows(xp, kh, kw, sh, sw, "conv2d")
        ho, wo = win.shape[2:4]
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)  # im2col copy
        out = cols @ weight.reshape(o, -1).T
        if bias is not None:
            out += bias
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (xp.shape, sh, sw, ph, pw, ho, wo)
        return np.ascontiguousarray(out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        padded_shape, sh, sw, ph, pw, ho, wo = ctx.geometry
        o, c, kh, kw = weight.shape
        n = padded_shape[0]
        g = grad.transpose(0, 2, 3, 1).reshape(-1, o)  # (N * Ho * Wo, O)
        needs = ctx.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[1]:
            grad_w = (g.T @ cols).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        if needs[0]:
            dcols = (g @ weight.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw)
            dxp = _scatter_windows(dcols.transpose(0, 3, 1, 2, 4, 5), padded_shape, sh, sw)
            grad_x = _crop(dxp, ph, pw)
        return grad_x, grad_w, grad_b


def _pool_geometry(kernel_size, stride, padding, op):
    kh, kw = _pair(kernel_size, f"{op} kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, f"{op} stride")
    ph, pw = _pair(padding, f"{op} padding")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel_size}")
    return kh, kw, sh, sw, ph, pw


class MaxPool2d(Function):
    """Max over each kh x kw window; the gradient goes to the (first) max of each window."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding, "max_pool2d")
        xp = _pad(x, ph, pw, -np.inf)
        win = _windows(xp, kh, kw, sh, sw, "max_pool2d")
        n, c, ho, wo = win.shape[:4]
        flat = win.reshape(n, c, ho, wo, kh * kw)
        arg = flat.argmax(axis=-1)
        ctx.geometry = (xp.shape, kh, kw, sh, sw, ph, pw)
        ctx.arg = arg
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        padded_shape, kh, kw, sh, sw, ph, pw = ctx.geometry
        n, c, hp, wp = padded_shape
        ho, wo = grad.shape[2:]
        di, dj = np.divmod(ctx.arg, kw)
        rows = di + (np.arange(ho) * sh)[:, None]
        cols = dj + np.arange(wo) * sw
        planes = np.arange(n * c).reshape(n, c, 1, 1)
        where = ((planes * hp + rows) * wp + cols).ravel()
        if sh >= kh and sw >= kw:  # windows do not overlap: every target is hit at most once
            dxp = np.zeros(n * c * hp * wp, dtype=grad.dtype)
            dxp[where] = grad.ravel()
        else:
            dxp = np.bincount(where, weights=grad.ravel(), minlength=n * c * hp * wp)
            dxp = dxp.astype(grad.dtype, copy=False)
        return _crop(dxp.reshape(padded_shape), ph, pw)


class AvgPool2d(Function):
    """Mean over each kh x kw window; zero padding counts in the mean (PyTorch's default)."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding, "avg_pool2d")
        xp = _pad(x, ph, pw)
        win = _windows(xp, kh, kw, sh, sw, "avg_pool2d")
        ho, wo = win.shape[2:4]
        out = np.zeros(win.shape[:4], dtype=x.dtype)
        for i in range(kh):  # kh * kw whole-array adds, faster than reducing tiny windows
            for j in range(kw):
                out += win[..., i, j]
        out *= 1.0 / (kh * kw)
        ctx.geometry = (xp.shape, kh, kw, sh, sw, ph, pw)
        return out

    @staticmethod
    def backward(ctx, grad):
        padded_shape, kh, kw, sh, sw, ph, pw = ctx.geometry
        share = grad * (1.0 / (kh * kw))
        dwin = np.broadcast_to(share[..., None, None], (*share.shape, kh, kw))
        return _crop(_scatter_windows(dwin, padded_shape, sh, sw), ph, pw)


# ---- fused normalisations ---------------------------------------------------------------

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
        xc = x - x.mean(axis=axes, keepdims=True)
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * rstd
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.axes = axes
        out = xhat * weight if weight is not None else xhat
        return out + bias if bias is not None else out

    @staticmethod
    def backward(ctx, grad):
        xhat, rstd, weight = ctx.saved_tensors
        grad_xhat = grad * weight if weight is not None else grad
        grad_x = _normalize_backward(grad_xhat, xhat, rstd, ctx.axes)
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


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution (cross-correlation, as PyTorch): x (N, C, H, W), weight (O, C, kh, kw)."""
    if bias is None:
        return Conv2d.apply(x, weight, stride=stride, padding=padding)
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over kernel_size windows (stride defaults to kernel_size; padding with -inf)."""
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over kernel_size windows (stride defaults to kernel_size; zero padding counts)."""
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing `normalized_shape` axes, then weight * xhat + bias."""
    ndim = 1 if isinstance(normalized_shape, (int, np.integer)) else len(normalized_shape)
    return LayerNorm.apply(x, weight, bias, ndim=ndim, eps=eps)


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over axis 1 (PyTorch's F.batch_norm argument order)."""
    return BatchNorm.apply(x, weight, bias, running_mean=running_mean, running_var=running_var,
                           training=training, momentum=momentum, eps=eps)
