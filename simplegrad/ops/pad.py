"""Padding, torch.nn.functional.pad: `pad` lists (left, right) amounts from the last dim
backwards; negative amounts crop. Modes: "constant" (a value), "reflect" (mirror without
repeating the edge), "replicate" (repeat the edge) and "circular" (wrap around).

Constant padding is slicing both ways. The other modes map every output position along a dim
to the input position it copies (`source_positions`); forward takes those positions, backward
adds each gradient back to its source (np.add.at, as positions repeat).
"""
import numpy as np

from simplegrad.autograd import Function, OpError

MODES = ("constant", "reflect", "replicate", "circular")


def pairs(pad, ndim, mode):
    """{axis: (left, right)} from PyTorch's flat `pad` sequence, checked against ndim."""
    if mode not in MODES:
        raise OpError(f"pad: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise OpError(f"pad: expected an even number of amounts covering at most {ndim} dims, "
                      f"got {tuple(pad)}")
    return {ndim - 1 - i: (int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)
            if pad[2 * i] or pad[2 * i + 1]}


def source_positions(n, left, right, mode):
    """For each output position along a dim of size n padded by (left, right), the input
    position it copies. Negative amounts crop first; the padding then wraps or mirrors the
    cropped part, as in PyTorch."""
    start, stop = max(-left, 0), n - max(-right, 0)
    left, right, n = max(left, 0), max(right, 0), stop - start
    if n < 0 or (n == 0 and left + right):
        raise OpError(f"pad: cannot pad a dim of size {stop + start} by ({left}, {right}) in "
                      f"{mode} mode")
    j = np.arange(-left, n + right)
    if mode == "replicate":
        return start + np.clip(j, 0, n - 1)
    if mode == "circular":
        if max(left, right) > n:
            raise OpError(f"pad: circular padding ({left}, {right}) is larger than the dim "
                          f"of size {n}")
        return start + j % max(n, 1)
    if max(left, right) >= n and left + right:
        raise OpError(f"pad: reflect padding ({left}, {right}) must be smaller than the dim "
                      f"of size {n}")
    period = max(2 * (n - 1), 1)
    j = j % period
    return start + np.where(j < n, j, period - j)


class Pad(Function):
    """Pad (or crop, for negative amounts) the dims named in `amounts` ({axis: (left, right)})."""

    @staticmethod
    def forward(ctx, a, amounts, mode="constant", value=0.0):
        ctx.shape, ctx.mode = a.shape, mode
        if mode == "constant":
            sides = [amounts.get(ax, (0, 0)) for ax in range(a.ndim)]
            ctx.crop = tuple(slice(max(-left, 0), n - max(-right, 0))
                             for (left, right), n in zip(sides, a.shape))
            if any(s.stop < s.start for s in ctx.crop):
                raise OpError(f"pad: cropping by {tuple(sides)} removes more than the shape "
                              f"{a.shape} holds")
            ctx.inner = tuple(slice(max(left, 0), max(left, 0) + s.stop - s.start)
                              for (left, _), s in zip(sides, ctx.crop))
            widths = [(max(left, 0), max(right, 0)) for left, right in sides]
            return np.pad(a[ctx.crop], widths, constant_values=value)
        ctx.positions = {ax: source_positions(a.shape[ax], left, right, mode)
                         for ax, (left, right) in amounts.items()}
        for ax, positions in ctx.positions.items():
            a = np.take(a, positions, axis=ax)
        return a

    @staticmethod
    def backward(ctx, grad):
        if ctx.mode == "constant":
            out = np.zeros(ctx.shape, dtype=grad.dtype)
            out[ctx.crop] = grad[ctx.inner]
            return out
        for ax in sorted(ctx.positions, reverse=True):
            shape = list(grad.shape)
            shape[ax] = ctx.shape[ax]
            total = np.zeros(shape, dtype=grad.dtype)
            np.add.at(total, (slice(None),) * ax + (ctx.positions[ax],), grad)
            grad = total
        return grad
