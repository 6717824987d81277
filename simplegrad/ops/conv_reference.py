"""conv2d written with plain loops: the definition to read beside the fast im2col version.

`ops/conv.py` computes the same numbers with one big matrix product (im2col). This file slides
the kernel over the image one output pixel at a time, as a textbook draws it, so you can check
each line against the formula. It is slow; tests/ops/test_conv_reference.py checks that both
give the same outputs and gradients, for every stride and padding.

    out[n, o, i, j] = bias[o] + sum over c, a, b of
                      x_padded[n, c, i * sh + a, j * sw + b] * weight[o, c, a, b]
"""
import numpy as np

from simplegrad.autograd import Function


def _pair(value):
    """3 -> (3, 3); (2, 1) stays (2, 1)."""
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)


def _window(i, j, kh, kw, sh, sw):
    """The rows and columns of the padded input that output pixel (i, j) reads."""
    return slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)


class Conv2dReference(Function):
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,)."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0):
        (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around each image
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        out = np.zeros((n, o, ho, wo), dtype=np.result_type(x, weight))
        for image in range(n):
            for channel in range(o):
                for i in range(ho):
                    for j in range(wo):
                        rows, cols = _window(i, j, kh, kw, sh, sw)
                        patch = xp[image, :, rows, cols]  # (C, kh, kw)
                        out[image, channel, i, j] = np.sum(patch * weight[channel])
                if bias is not None:
                    out[image, channel] += bias[channel]
        ctx.save_for_backward(xp, weight)
        ctx.geometry = (sh, sw, ph, pw, h, w)
        return out

    @staticmethod
    def backward(ctx, grad):
        """Each output pixel was a sum of patch * kernel, so its gradient g flows back as
        g * kernel onto the patch it read, and as g * patch onto the kernel."""
        xp, weight = ctx.saved_tensors
        sh, sw, ph, pw, h, w = ctx.geometry
        o, _, kh, kw = weight.shape
        n, _, ho, wo = grad.shape
        grad_xp = np.zeros_like(xp, dtype=grad.dtype)
        grad_weight = np.zeros_like(weight, dtype=grad.dtype)
        for image in range(n):
            for channel in range(o):
                for i in range(ho):
                    for j in range(wo):
                        rows, cols = _window(i, j, kh, kw, sh, sw)
                        g = grad[image, channel, i, j]
                        grad_xp[image, :, rows, cols] += g * weight[channel]
                        grad_weight[channel] += g * xp[image, :, rows, cols]
        grad_x = grad_xp[:, :, ph:ph + h, pw:pw + w]  # the padding's gradient is dropped
        if len(ctx.needs_input_grad) == 2:  # called without a bias
            return grad_x, grad_weight
        return grad_x, grad_weight, grad.sum(axis=(0, 2, 3))  # bias: added to every pixel


def conv2d_reference(x, weight, bias=None, stride=1, padding=0):
    """The same as `simplegrad.ops.conv.conv2d`, computed with loops (slow; for reading)."""
    if bias is None:
        return Conv2dReference.apply(x, weight, stride=stride, padding=padding)
    return Conv2dReference.apply(x, weight, bias, stride=stride, padding=padding)
