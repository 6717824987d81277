"""Image ops on NCHW arrays: conv2d, max pooling and average pooling.

Convolution is im2col: the input's kh x kw windows copied into a (C * kh * kw, N * Ho * Wo)
matrix, so that the layer is one BLAS matmul (one per batch chunk of about 1 MiB of columns,
which then stay in cache for the matmul). Two layout choices make it fast:

- Channels outermost in memory. The matmul's result is (O, N, Ho, Wo); conv2d returns it as an
  NCHW-shaped *view* (a transpose, no copy). Elementwise ops and pooling keep that memory order,
  so the next conv2d reads its input back as a contiguous (C, N, H, W) array, again for free.
- With stride 1, every column row is one contiguous copy. Flatten each channel of the padded
  input: the tap (i, j) of every output pixel is that flat array shifted by i * Wp + j. The
  output is then computed on the whole padded grid and its top-left (Ho, Wo) corner returned;
  the grid's extra border columns are never read. Backward adds each tap back the same way.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from simplegrad.autograd import Function
from simplegrad.ops import scratch


def _pair(value, name, minimum=1):
    """Accept 3 or (3, 3) for kernel size, stride and padding (each at least `minimum`)."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair)):
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _channels_first(x):
    """(C, N, H, W) view of an NCHW array: contiguous when x came from conv2d."""
    return x.transpose(1, 0, 2, 3)


def _pad(x, ph, pw, value=0.0):
    """Pad the two spatial axes of an NCHW array, keeping channels outermost in memory."""
    if not (ph or pw):
        return x
    padded = np.pad(_channels_first(x), ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                    constant_values=value)
    return _channels_first(padded)


def _check_ndim(x, op):
    """x itself, after checking that it is 4-D (NCHW)."""
    if x.ndim != 4:
        raise ValueError(f"{op}: expected an NCHW input with 4 dimensions, got shape {x.shape}")
    return x


def _check_window(shape, kh, kw, op):
    """Raise a clear error for a kernel larger than the padded input."""
    if shape[2] < kh or shape[3] < kw:
        raise ValueError(f"{op}: kernel {kh}x{kw} is larger than the padded input "
                         f"{shape[2]}x{shape[3]}")


def _tap_offsets(kh, kw, row_length):
    """Flat offset of each kernel tap (i, j), row-major, in rows of `row_length` elements."""
    return [i * row_length + j for i in range(kh) for j in range(kw)]


def _im2col(xc, kh, kw, sh, sw, ph, pw, keep=False):
    """Columns (C * kh * kw, N * Hg * Wg) of a (C, N, H, W) array and the grid (Hg, Wg).

    Stride 1: the grid is the padded image and each tap is one contiguous flat copy. Otherwise
    the grid is the output and the taps come from a strided window view. The columns are a
    scratch buffer (see scratch.py) unless `keep`: they are then saved for backward.
    """
    c, n, h, w = xc.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    _check_window((n, c, hp, wp), kh, kw, "conv2d")
    size = n * hp * wp
    tail = (kh - 1) * wp + kw - 1 if (sh, sw) == (1, 1) else 0  # stride 1 reads past the end
    flat = scratch.zeros("im2col.padded", (c, size + tail), xc.dtype)
    padded = flat[:, :size].reshape(c, n, hp, wp)
    padded[:, :, ph:ph + h, pw:pw + w] = xc
    if (sh, sw) == (1, 1):
        shape = (c, kh * kw, size)
        cols = np.empty(shape, xc.dtype) if keep else scratch.empty("im2col.cols", shape, xc.dtype)
        for k, offset in enumerate(_tap_offsets(kh, kw, wp)):
            cols[:, k] = flat[:, offset:offset + size]
        return cols.reshape(c * kh * kw, size), (hp, wp)
    win = sliding_window_view(padded, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    ho, wo = win.shape[2:4]
    shape = (c, kh, kw, n, ho, wo)
    cols = np.empty(shape, xc.dtype) if keep else scratch.empty("im2col.cols", shape, xc.dtype)
    cols[...] = win.transpose(0, 4, 5, 1, 2, 3)
    return cols.reshape(c * kh * kw, n * ho * wo), (ho, wo)


def _col2im(dcols, input_shape, kh, kw, sh, sw, ph, pw, grid):
    """The adjoint of `_im2col`: add every tap's column gradient back onto a (C, N, H, W) grid."""
    c, n, h, w = input_shape
    hp, wp = h + 2 * ph, w + 2 * pw
    if (sh, sw) == (1, 1):
        size = n * hp * wp
        flat = scratch.zeros("col2im.padded", (c, size + (kh - 1) * wp + kw - 1), dcols.dtype)
        taps = dcols.reshape(c, kh * kw, size)
        for k, offset in enumerate(_tap_offsets(kh, kw, wp)):
            flat[:, offset:offset + size] += taps[:, k]
        padded = flat[:, :size].reshape(c, n, hp, wp)
    else:
        ho, wo = grid
        taps = dcols.reshape(c, kh, kw, n, ho, wo)
        padded = scratch.zeros("col2im.padded", (c, n, hp, wp), dcols.dtype)
        for i in range(kh):
            rows = slice(i, i + sh * (ho - 1) + 1, sh)
            for j in range(kw):
                padded[:, :, rows, j:j + sw * (wo - 1) + 1:sw] += taps[:, i, j]
    return padded[:, :, ph:ph + h, pw:pw + w]  # a view of scratch: copy it out before reuse


WEIGHT_GRAD_BLOCK = 8192  # columns per partial product when the columns have few rows


def _weight_grad(cols, g):
    """g @ cols.T, (O, C * kh * kw), computed as (cols @ g.T).T: OpenBLAS's fast orientation
    here. With few rows (a first layer: C * kh * kw <= 16) summing products over column blocks
    of 8192 is about 2x faster than one product over N * Hg * Wg columns (measured)."""
    if cols.shape[0] > 16:
        return (cols @ g.T).T
    return sum(cols[:, s:s + WEIGHT_GRAD_BLOCK] @ g[:, s:s + WEIGHT_GRAD_BLOCK].T
               for s in range(0, cols.shape[1], WEIGHT_GRAD_BLOCK)).T


CHUNK_BYTES = 1 << 20  # im2col columns per batch chunk: about L2-sized, so they stay in cache


def _batch_chunks(batch, bytes_per_image):
    """Slices of the batch whose im2col columns take about CHUNK_BYTES each."""
    step = max(1, CHUNK_BYTES // bytes_per_image)
    return [slice(start, min(start + step, batch)) for start in range(0, batch, step)]


class Conv2d(Function):
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,).

    The output is an NCHW-shaped view of a channels-outermost buffer (see the module docstring).
    The batch is processed in chunks whose columns fit in cache; with several chunks, backward
    rebuilds each chunk's columns rather than keeping the whole batch's (kh * kw times the
    input) alive between the passes.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0):
        (sh, sw), (ph, pw) = _pair(stride, "conv2d stride"), _pair(padding, "conv2d padding", 0)
        if weight.ndim != 4 or x.ndim != 4 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv2d: input {x.shape} and weight {weight.shape} do not match "
                             f"(expected (N, C, H, W) and (out, C, kh, kw))")
        o, c, kh, kw = weight.shape
        n, _, h, w = x.shape
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        xc = _channels_first(x)
        grid = (h + 2 * ph, w + 2 * pw) if (sh, sw) == (1, 1) else (ho, wo)
        chunks = _batch_chunks(n, c * kh * kw * grid[0] * grid[1] * x.itemsize)
        w_mat = weight.reshape(o, -1)
        out = np.empty((o, n, *grid), dtype=np.result_type(x, weight))
        keep = len(chunks) == 1  # one chunk: backward reuses its columns
        for chunk in chunks:  # one matmul per chunk, written straight into the output
            cols, _ = _im2col(xc[:, chunk], kh, kw, sh, sw, ph, pw, keep)
            np.matmul(w_mat, cols, out=out[:, chunk].reshape(o, -1))
        if bias is not None:
            out += bias[:, None, None, None]
        ctx.save_for_backward(x, weight, cols if keep else None)
        ctx.geometry = (sh, sw, ph, pw, grid, chunks)
        return _channels_first(out[:, :, :ho, :wo])

    @staticmethod
    def backward(ctx, grad):
        x, weight, saved_cols = ctx.saved_tensors
        sh, sw, ph, pw, grid, chunks = ctx.geometry
        o, c, kh, kw = weight.shape
        xc = _channels_first(x)
        g = _channels_first(grad)  # (O, N, Ho, Wo); contiguous when grad kept conv's layout
        if g.shape[2:] != grid:  # stride 1: zeros on the grid's border columns
            on_grid = scratch.zeros("conv.grad_grid", (o, g.shape[1], *grid), g.dtype)
            on_grid[:, :, :g.shape[2], :g.shape[3]] = g
            g = on_grid
        needs = ctx.needs_input_grad
        w_mat = weight.reshape(o, -1)
        grad_w = np.zeros(w_mat.shape, dtype=g.dtype) if needs[1] else None
        grad_x = np.empty(xc.shape, dtype=g.dtype) if needs[0] else None
        for chunk in chunks:
            g_chunk = g[:, chunk].reshape(o, -1)
            if needs[1]:
                cols = saved_cols
                if cols is None:
                    cols, _ = _im2col(xc[:, chunk], kh, kw, sh, sw, ph, pw)
                grad_w += _weight_grad(cols, g_chunk)
            if needs[0]:
                dcols = scratch.empty("conv.dcols", (w_mat.shape[1], g_chunk.shape[1]),
                                      np.result_type(w_mat, g_chunk))
                np.matmul(w_mat.T, g_chunk, out=dcols)
                grad_x[:, chunk] = _col2im(dcols, xc[:, chunk].shape, kh, kw, sh, sw, ph, pw,
                                           grid)
        grad_b = g.sum(axis=(1, 2, 3)) if len(needs) > 2 and needs[2] else None
        return (None if grad_x is None else _channels_first(grad_x),
                None if grad_w is None else grad_w.reshape(weight.shape), grad_b)


def _pool_geometry(kernel_size, stride, padding, op):
    kh, kw = _pair(kernel_size, f"{op} kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, f"{op} stride")
    ph, pw = _pair(padding, f"{op} padding", 0)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel_size}")
    return kh, kw, sh, sw, ph, pw


def _taps(ndim, axis, k, s, n_out):
    """Index tuples of the k strided views along `axis`, one per window offset."""
    index = [slice(None)] * ndim
    for j in range(k):
        index[axis] = slice(j, j + s * (n_out - 1) + 1, s)
        yield tuple(index)


def _max_along(x, axis, k, s, n_out):
    """Max over windows of k (stride s) along one axis: k - 1 whole-array maximums."""
    taps = list(_taps(x.ndim, axis, k, s, n_out))
    out = np.maximum(x[taps[0]], x[taps[1]]) if k > 1 else x[taps[0]].copy()
    for tap in taps[2:]:
        np.maximum(out, x[tap], out=out)  # NaN propagates
    return out


def _in_layout_of(a, like):
    """`a` in the memory order of `like` (copied when they differ): a ufunc over two arrays in
    different orders strides badly through one of them (pool backward measured 2x slower)."""
    if a.strides == like.strides:
        return a
    same = np.empty_like(like)
    same[...] = a
    return same


def _route_max(grad, x, out, axis, k, s):
    """Gradient of `_max_along`: each window's grad goes to its first max (or first NaN).

    The last tap needs no comparison: it holds the max of every window still open. When the
    windows tile the axis exactly (stride == kernel), each tap is written once, with no zeros
    and no additions.
    """
    disjoint = k == s and k * out.shape[axis] == x.shape[axis]
    dx = np.empty_like(x) if disjoint else np.zeros_like(x)
    has_nan = np.isnan(out).any()
    taps = list(_taps(x.ndim, axis, k, s, out.shape[axis]))
    still_open = None  # windows whose max is not yet found; None before the first tap

    def give(tap, hit):
        if disjoint:
            np.multiply(grad, hit, out=dx[tap])
        else:
            dx[tap] += grad * hit

    for tap in taps[:-1]:
        hit = x[tap] == out
        if has_nan:
            hit |= np.isnan(x[tap])
        if still_open is None:
            give(tap, hit)
            still_open = np.logical_not(hit, out=hit)
        else:
            hit &= still_open
            give(tap, hit)
            still_open ^= hit
    give(taps[-1], np.ones(out.shape, dtype=bool) if still_open is None else still_open)
    return dx


class MaxPool2d(Function):
    """Max over each kh x kw window; the gradient goes to the first max of each window in
    row-major order, as PyTorch. Separable: a max along rows, then along columns, so both passes
    cost kh + kw whole-array ops; the row max picks the first column and the column max the
    first row holding the window's max, which is the row-major first."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding, "max_pool2d")
        xp = _pad(_check_ndim(x, "max_pool2d"), ph, pw, -np.inf)
        _check_window(xp.shape, kh, kw, "max_pool2d")
        ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
        rows = _max_along(xp, 3, kw, sw, wo)  # (N, C, Hp, Wo)
        out = _max_along(rows, 2, kh, sh, ho)
        ctx.save_for_backward(xp, rows, out)
        ctx.geometry = (kh, kw, sh, sw, ph, pw)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp, rows, out = ctx.saved_tensors
        kh, kw, sh, sw, ph, pw = ctx.geometry
        grad_rows = _route_max(_in_layout_of(grad, out), rows, out, 2, kh, sh)
        grad_xp = _route_max(grad_rows, xp, rows, 3, kw, sw)
        h, w = xp.shape[2] - 2 * ph, xp.shape[3] - 2 * pw
        return grad_xp[:, :, ph:ph + h, pw:pw + w]


class AvgPool2d(Function):
    """Mean over each kh x kw window; zero padding counts in the mean (PyTorch's default)."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        kh, kw, sh, sw, ph, pw = _pool_geometry(kernel_size, stride, padding, "avg_pool2d")
        xp = _pad(_check_ndim(x, "avg_pool2d"), ph, pw)
        _check_window(xp.shape, kh, kw, "avg_pool2d")
        win = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
        out = np.zeros_like(win[..., 0, 0])
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
        ho, wo = share.shape[2:]
        dxp = np.zeros(padded_shape, dtype=share.dtype)
        for i in range(kh):
            for j in range(kw):
                dxp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += share
        h, w = padded_shape[2] - 2 * ph, padded_shape[3] - 2 * pw
        return dxp[:, :, ph:ph + h, pw:pw + w]


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
