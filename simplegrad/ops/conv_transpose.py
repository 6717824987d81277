"""conv_transpose2d: the adjoint of conv2d, built from conv2d's own pieces.

A transposed convolution of x (N, C, H, W) with weight (C, O / groups, kh, kw) is the gradient
conv2d sends back to its input, for the conv2d whose input has the transposed conv's output
shape and whose weight is the same array read as (C, O / groups, kh, kw) = (out, in, kh, kw).
So the forward is conv2d's input gradient (weight^T @ x, then col2im), and the backward is
conv2d's forward for the input (im2col of the gradient, then weight @ columns) and conv2d's
weight gradient with x in the role of conv2d's output gradient. The batch goes in chunks, as
in conv2d.
"""
import numpy as np

from simplegrad.autograd import Function, OpError
from simplegrad.ops.conv import (_back_project, _batch_chunks, _channels_first, _check_shapes,
                                 _col2im, _im2col, _on_grid, _pair, _project, _weight_grad,
                                 conv_window)


def _output_size(size, win, output_padding):
    """(H_out, W_out) = (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    (eh, ew), (oh, ow) = win.span, output_padding
    return ((size[0] - 1) * win.sh - win.pt - win.pb + eh + oh,
            (size[1] - 1) * win.sw - win.pl - win.pr + ew + ow)


class ConvTranspose2d(Function):
    """x (N, C, H, W) spread through weight (C, O / groups, kh, kw) onto (N, O, H_out, W_out),
    plus bias (O,): each input pixel adds its weighted kernel at stride spacing."""

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                dilation=1):
        _check_shapes("conv_transpose2d", x, weight, groups,
                      lambda: x.shape[1] == weight.shape[0] and weight.shape[0] % groups == 0,
                      "(C, out / groups, kh, kw)")
        c, og, kh, kw = weight.shape
        if isinstance(padding, str):
            raise OpError(f"conv_transpose2d: padding must be an int or a pair, got {padding!r}")
        win = conv_window((kh, kw), stride, padding, dilation, "conv_transpose2d")
        extra = _pair(output_padding, "conv_transpose2d output_padding", 0)
        if any(p >= max(s, d) for p, s, d in zip(extra, (win.sh, win.sw), (win.dh, win.dw))):
            raise OpError(f"conv_transpose2d: output_padding {output_padding} must be smaller "
                          f"than the stride {stride} or the dilation {dilation}")
        n, _, h, w = x.shape
        size = _output_size((h, w), win, extra)
        if min(size) < 1:
            raise OpError(f"conv_transpose2d: input {x.shape} gives an empty output {size}")
        o = og * groups
        grid = win.padded(*size) if win.unit_stride else (h, w)
        xg = _on_grid(_channels_first(x), grid, "conv.grad_grid")  # (C, N, *grid)
        out = np.empty((o, n, *size), dtype=np.result_type(x, weight))
        chunks = _batch_chunks(n, o * kh * kw * grid[0] * grid[1] * x.itemsize)
        w_mat = weight.reshape(c, -1)
        for chunk in chunks:
            dcols = _back_project(w_mat, xg[:, chunk].reshape(c, -1), groups)
            out[:, chunk] = _col2im(dcols, (o, chunk.stop - chunk.start, *size), win, grid)
        if bias is not None:
            out += bias[:, None, None, None]
        ctx.save_for_backward(x, weight)
        ctx.geometry = (win, groups, grid, chunks)
        return _channels_first(out)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        win, groups, grid, chunks = ctx.geometry
        c, n, (h, w) = weight.shape[0], x.shape[0], x.shape[2:]
        gc = _channels_first(grad)  # (O, N, H_out, W_out)
        needs = ctx.needs_input_grad
        w_mat = weight.reshape(c, -1)
        xg = _on_grid(_channels_first(x), grid, "conv.grad_grid") if needs[1] else None
        grad_x = np.empty((c, n, *grid), dtype=grad.dtype) if needs[0] else None
        grad_w = np.zeros(w_mat.shape, dtype=grad.dtype) if needs[1] else None
        for chunk in chunks:
            cols, _ = _im2col(gc[:, chunk], win)
            if needs[0]:
                _project(w_mat, cols, groups, grad_x[:, chunk].reshape(c, -1))
            if needs[1]:
                grad_w += _weight_grad(cols, xg[:, chunk].reshape(c, -1), groups)
        grad_b = grad.sum(axis=(0, 2, 3)) if len(needs) > 2 and needs[2] else None
        return (None if grad_x is None else _channels_first(grad_x[:, :, :h, :w]),
                None if grad_w is None else grad_w.reshape(weight.shape), grad_b)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution (PyTorch's argument order): x (N, C, H, W), weight
    (C, O / groups, kh, kw); the adjoint of conv2d with the same stride, padding, dilation."""
    options = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                   dilation=dilation)
    if bias is None:
        return ConvTranspose2d.apply(x, weight, **options)
    return ConvTranspose2d.apply(x, weight, bias, **options)
