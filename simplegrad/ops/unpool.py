"""max_unpool2d, the inverse of max pooling, and the indices that max_pool2d's
`return_indices=True` hands it: where, in each (H, W) plane of the input, a window's max was."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from simplegrad.autograd import Function, OpError
from simplegrad.ops.conv import _pad


def max_indices(x, win):
    """Flat index (row * W + column) into x's (H, W) plane of each window's first max in
    row-major order (PyTorch's indices), as an int64 (N, C, Ho, Wo) array."""
    view = sliding_window_view(_pad(x, win, -np.inf), win.span, axis=(2, 3))
    view = view[:, :, ::win.sh, ::win.sw, ::win.dh, ::win.dw]
    ho, wo = view.shape[2:4]
    first = view.reshape(*view.shape[:4], -1).argmax(axis=-1)
    rows = first // win.kw * win.dh + (np.arange(ho) * win.sh - win.pt)[:, None]
    cols = first % win.kw * win.dw + np.arange(wo) * win.sw - win.pl
    return (rows * x.shape[3] + cols).astype(np.int64)


class MaxUnpool2d(Function):
    """Zeros of `size` (H, W) per plane, with each input value written at its index. Where
    indices repeat (overlapping pooling windows), the last write wins and only that value gets
    the gradient (PyTorch gives it to every copy, counting the one input element twice)."""

    @staticmethod
    def forward(ctx, x, indices, size):
        indices = np.asarray(indices)
        if x.ndim != 4 or indices.shape != x.shape or indices.dtype.kind not in "iu":
            raise OpError(f"max_unpool2d: expected an (N, C, H, W) input and integer indices of "
                          f"its shape, got {x.shape} and {indices.shape} {indices.dtype}")
        n, c = x.shape[:2]
        plane = size[0] * size[1]
        flat = indices.reshape(n, c, -1)
        if flat.size and (flat.min() < 0 or flat.max() >= plane):
            raise OpError(f"max_unpool2d: index {flat.max() if flat.max() >= plane else flat.min()}"
                          f" is outside the output plane {size[0]}x{size[1]}")
        out = np.zeros((n, c, plane), dtype=x.dtype)
        np.put_along_axis(out, flat, x.reshape(n, c, -1), axis=2)
        order = np.broadcast_to(np.arange(flat.shape[2]), flat.shape)
        writer = np.zeros((n, c, plane), dtype=np.intp)
        np.put_along_axis(writer, flat, order, axis=2)  # who wrote each position last
        ctx.save_for_backward(flat, np.take_along_axis(writer, flat, axis=2) == order)
        ctx.shape = x.shape
        return out.reshape(n, c, *size)

    @staticmethod
    def backward(ctx, grad):
        flat, won = ctx.saved_tensors
        planes = grad.reshape(*grad.shape[:2], -1)
        return (np.take_along_axis(planes, flat, axis=2) * won).reshape(ctx.shape), None
