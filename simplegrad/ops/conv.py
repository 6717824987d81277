"""Image ops on NCHW arrays: conv2d, max pooling and average pooling.

Convolution is im2col: a strided *view* of every kh x kw window (sliding_window_view, no
copy), copied once into a (C * kh * kw, N * Ho * Wo) matrix so the whole layer is one BLAS
matmul. Backward scatters window gradients back with one vectorised add per kernel offset
(kh * kw adds, never a loop over pixels).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from simplegrad.autograd import Function


def _pair(value, name, minimum=1):
    """Accept 3 or (3, 3) for kernel size, stride and padding (each at least `minimum`)."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair)):
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
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
        (sh, sw), (ph, pw) = _pair(stride, "conv2d stride"), _pair(padding, "conv2d padding", 0)
        if weight.ndim != 4 or x.ndim != 4 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv2d: input {x.shape} and weight {weight.shape} do not match "
                             f"(expected (N, C, H, W) and (out, C, kh, kw))")
        n, c = x.shape[:2]
        o, _, kh, kw = weight.shape
        xp = _pad(x, ph, pw)
        win = _windows(xp, kh, kw, sh, sw, "conv2d")
        ho, wo = win.shape[2:4]
        # im2col, one column per output pixel: (C * kh * kw, N * Ho * Wo). This copy is the
        # only one; keeping (N, Ho, Wo) innermost makes it and the scatter in backward fast.
        cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * ho * wo)
        out = weight.reshape(o, -1) @ cols  # (O, N * Ho * Wo): the whole layer in one matmul
        if bias is not None:
            out += bias[:, None]
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (xp.shape, sh, sw, ph, pw, ho, wo)
        return np.ascontiguousarray(out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        padded_shape, sh, sw, ph, pw, ho, wo = ctx.geometry
        o, c, kh, kw = weight.shape
        n = padded_shape[0]
        g = grad.transpose(1, 0, 2, 3).reshape(o, -1)  # (O, N * Ho * Wo), like the output
        needs = ctx.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[1]:
            grad_w = (g @ cols.T).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        if needs[0]:
            dcols = (weight.reshape(o, -1).T @ g).reshape(c, kh, kw, n, ho, wo)
            dxp = _scatter_windows(dcols.transpose(3, 0, 4, 5, 1, 2), padded_shape, sh, sw)
            grad_x = _crop(dxp, ph, pw)
        return grad_x, grad_w, grad_b


def _pool_geometry(kernel_size, stride, padding, op):
    kh, kw = _pair(kernel_size, f"{op} kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, f"{op} stride")
    ph, pw = _pair(padding, f"{op} padding", 0)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel_size}")
    return kh, kw, sh, sw, ph, pw


class MaxPool2d(Function):
    """Max over each kh x kw window; the gradient goes to the first max of each window (as
    PyTorch). Both passes loop over the kh * kw kernel offsets with whole-array ops."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding, "max_pool2d")
        xp = _pad(x, ph, pw, -np.inf)
        win = _windows(xp, kh, kw, sh, sw, "max_pool2d")
        out = win[..., 0, 0].copy()
        for k in range(1, kh * kw):
            np.maximum(out, win[..., k // kw, k % kw], out=out)  # NaN propagates
        ctx.save_for_backward(x, out)
        ctx.geometry = (kh, kw, sh, sw, ph, pw)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        kh, kw, sh, sw, ph, pw = ctx.geometry
        xp = _pad(x, ph, pw, -np.inf)
        win = _windows(xp, kh, kw, sh, sw, "max_pool2d")
        ho, wo = out.shape[2:]
        dxp = np.zeros(xp.shape, dtype=grad.dtype)
        open_ = np.ones(out.shape, dtype=bool)  # windows whose max is not yet found
        nan_out = np.isnan(out).any()
        for k in range(kh * kw):
            i, j = divmod(k, kw)
            candidate = win[..., i, j]
            hit = candidate == out
            if nan_out:
                hit |= np.isnan(candidate)
            hit &= open_
            open_ ^= hit
            dxp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += grad * hit
        return _crop(dxp, ph, pw)


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
