"""Image ops on NCHW arrays: conv2d (with groups and dilation), max pooling and average pooling.

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

Dilation only spaces the taps (offset i * dh * Wp + j * dw); groups split the one matmul into a
batch of `groups` matmuls over consecutive blocks of channels (the columns are channel-major).
Geometry (kernel, stride, padding on each side, dilation) travels as one `Window`.
"""
import functools
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from simplegrad import parallel
from simplegrad.autograd import Function, OpError
from simplegrad.ops import scratch


def _pair(value, name, minimum=1):
    """Accept 3 or (3, 3) for kernel size, stride and padding (each at least `minimum`)."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair)):
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


class Window(NamedTuple):
    """A window sliding over the two spatial axes: kernel, stride, padding on each side
    (top, bottom, left, right) and dilation (the spacing of the taps)."""

    kh: int
    kw: int
    sh: int = 1
    sw: int = 1
    pt: int = 0
    pb: int = 0
    pl: int = 0
    pr: int = 0
    dh: int = 1
    dw: int = 1

    @property
    def span(self):
        """The window's extent, dilation included: (dh * (kh - 1) + 1, dw * (kw - 1) + 1)."""
        return self.dh * (self.kh - 1) + 1, self.dw * (self.kw - 1) + 1

    @property
    def unit_stride(self):
        return self.sh == 1 and self.sw == 1

    def padded(self, h, w):
        """The padded input's height and width."""
        return h + self.pt + self.pb, w + self.pl + self.pr

    def out_size(self, h, w):
        """Output height and width for an h x w input."""
        (hp, wp), (eh, ew) = self.padded(h, w), self.span
        return (hp - eh) // self.sh + 1, (wp - ew) // self.sw + 1


def conv_window(kernel, stride, padding, dilation, op="conv2d"):
    """The Window of a convolution: padding is an int, a pair, "valid" or "same" (stride 1;
    an odd total puts the extra row or column at the bottom or right, as PyTorch)."""
    (sh, sw), (dh, dw) = _pair(stride, f"{op} stride"), _pair(dilation, f"{op} dilation")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise OpError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got "
                          f"{padding!r}")
        if padding == "same" and (sh, sw) != (1, 1):
            raise OpError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        th, tw = ((dh * (kernel[0] - 1), dw * (kernel[1] - 1)) if padding == "same"
                  else (0, 0))
        return Window(*kernel, sh, sw, th // 2, th - th // 2, tw // 2, tw - tw // 2, dh, dw)
    ph, pw = _pair(padding, f"{op} padding", 0)
    return Window(*kernel, sh, sw, ph, ph, pw, pw, dh, dw)


def _channels_first(x):
    """(C, N, H, W) view of an NCHW array: contiguous when x came from conv2d."""
    return x.transpose(1, 0, 2, 3)


def _pad(x, win, value=0.0):
    """Pad the two spatial axes of an NCHW array as `win` says, keeping channels outermost in
    memory."""
    if not (win.pt or win.pb or win.pl or win.pr):
        return x
    padded = np.pad(_channels_first(x), ((0, 0), (0, 0), (win.pt, win.pb), (win.pl, win.pr)),
                    constant_values=value)
    return _channels_first(padded)


def _check_ndim(x, op):
    """x itself, after checking that it is 4-D (NCHW)."""
    if x.ndim != 4:
        raise ValueError(f"{op}: expected an NCHW input with 4 dimensions, got shape {x.shape}")
    return x


def _check_window(shape, win, op):
    """Raise a clear error for a kernel larger than the padded input."""
    (eh, ew), (kh, kw) = win.span, (win.kh, win.kw)
    if shape[2] < eh or shape[3] < ew:
        dilated = f" (dilated to {eh}x{ew})" if (eh, ew) != (kh, kw) else ""
        raise ValueError(f"{op}: kernel {kh}x{kw}{dilated} is larger than the padded input "
                         f"{shape[2]}x{shape[3]}")


def _tap_offsets(kh, kw, row_length, dh=1, dw=1):
    """Flat offset of each kernel tap (i, j), row-major, in rows of `row_length` elements."""
    step = dh * row_length
    return [i * step + j * dw for i in range(kh) for j in range(kw)]


def _im2col(xc, win, keep=False):
    """Columns (C * kh * kw, N * Hg * Wg) of a (C, N, H, W) array and the grid (Hg, Wg).

    Stride 1: the grid is the padded image and each tap is one contiguous flat copy. Otherwise
    the grid is the output and the taps come from a strided window view. The columns are a
    scratch buffer (see scratch.py) unless `keep`: they are then saved for backward.
    """
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = win  # unpacked once: this runs per batch chunk
    c, n, h, w = xc.shape
    hp, wp = h + pt + pb, w + pl + pr
    if hp < dh * (kh - 1) + 1 or wp < dw * (kw - 1) + 1:
        _check_window((n, c, hp, wp), win, "conv2d")
    size = n * hp * wp
    unit_stride = sh == 1 and sw == 1
    taps = _tap_offsets(kh, kw, wp, dh, dw) if unit_stride else None
    tail = taps[-1] if unit_stride else 0  # stride 1 reads past the end
    flat = scratch.zeros("im2col.padded", (c, size + tail), xc.dtype)
    padded = flat[:, :size].reshape(c, n, hp, wp)
    padded[:, :, pt:pt + h, pl:pl + w] = xc
    if unit_stride:
        shape = (c, kh * kw, size)
        cols = np.empty(shape, xc.dtype) if keep else scratch.empty("im2col.cols", shape, xc.dtype)
        for k, offset in enumerate(taps):
            cols[:, k] = flat[:, offset:offset + size]
        return cols.reshape(c * kh * kw, size), (hp, wp)
    view = sliding_window_view(padded, win.span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    ho, wo = view.shape[2:4]
    shape = (c, kh, kw, n, ho, wo)
    cols = np.empty(shape, xc.dtype) if keep else scratch.empty("im2col.cols", shape, xc.dtype)
    cols[...] = view.transpose(0, 4, 5, 1, 2, 3)
    return cols.reshape(c * kh * kw, n * ho * wo), (ho, wo)


def _col2im(dcols, input_shape, win, grid):
    """The adjoint of `_im2col`: add every tap's column gradient back onto a (C, N, H, W) grid."""
    kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = win
    c, n, h, w = input_shape
    hp, wp = h + pt + pb, w + pl + pr
    if sh == 1 and sw == 1:
        size, offsets = n * hp * wp, _tap_offsets(kh, kw, wp, dh, dw)
        flat = scratch.zeros("col2im.padded", (c, size + offsets[-1]), dcols.dtype)
        taps = dcols.reshape(c, kh * kw, size)
        for k, offset in enumerate(offsets):
            flat[:, offset:offset + size] += taps[:, k]
        padded = flat[:, :size].reshape(c, n, hp, wp)
    else:
        ho, wo = grid
        taps = dcols.reshape(c, kh, kw, n, ho, wo)
        padded = scratch.zeros("col2im.padded", (c, n, hp, wp), dcols.dtype)
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            for j in range(kw):
                padded[:, :, rows, j * dw:j * dw + sw * (wo - 1) + 1:sw] += taps[:, i, j]
    return padded[:, :, pt:pt + h, pl:pl + w]  # a view of scratch: copy it out before reuse


def _split(m, groups):
    """A (groups * rows, cols) matrix as a batch of `groups` matrices (unchanged for 1 group):
    the per-group blocks of a weight, of im2col columns or of output channels."""
    return m if groups == 1 else m.reshape(groups, m.shape[0] // groups, m.shape[1])


WEIGHT_GRAD_BLOCK = 8192  # columns per partial product when the columns have few rows


def _weight_grad(cols, g, groups=1):
    """g @ cols.T per group, (O, C / groups * kh * kw), computed as (cols @ g.T).T: OpenBLAS's
    fast orientation here. With few rows (a first layer: C * kh * kw <= 16) summing products
    over column blocks of 8192 is about 2x faster than one product over N * Hg * Wg columns
    (measured)."""
    cols, g = _split(cols, groups), _split(g, groups)
    if cols.shape[-2] > 16:
        part = cols @ g.swapaxes(-1, -2)
    else:
        part = sum(cols[..., s:s + WEIGHT_GRAD_BLOCK] @ g[..., s:s + WEIGHT_GRAD_BLOCK].swapaxes(
            -1, -2) for s in range(0, cols.shape[-1], WEIGHT_GRAD_BLOCK))
    return part.swapaxes(-1, -2).reshape(-1, cols.shape[-2])


CHUNK_BYTES = 1 << 20  # im2col columns per batch chunk: about L2-sized, so they stay in cache


def _batch_chunks(batch, bytes_per_image):
    """Slices of the batch whose im2col columns take about CHUNK_BYTES each."""
    step = max(1, CHUNK_BYTES // bytes_per_image)
    return [slice(start, min(start + step, batch)) for start in range(0, batch, step)]


def _on_grid(g, grid, role):
    """A (C, N, Ho, Wo) array in the top-left corner of a zero (C, N, *grid) scratch array, as
    stride 1's flat-shift columns lay out their output (the array itself when it fits)."""
    if g.shape[2:] == grid:
        return g
    on_grid = scratch.zeros(role, (*g.shape[:2], *grid), g.dtype)
    on_grid[:, :, :g.shape[2], :g.shape[3]] = g
    return on_grid


def _project(w_mat, cols, groups, out):
    """out = w_mat @ cols, per group: a conv's output columns (the forward's one matmul)."""
    np.matmul(_split(w_mat, groups), _split(cols, groups), out=_split(out, groups))
    return out


def _back_project(w_mat, g, groups):
    """w_mat.T @ g per group, into scratch: the column gradient that col2im adds back."""
    shape = (w_mat.shape[1] * groups, g.shape[1])
    dcols = scratch.empty("conv.dcols", shape, np.result_type(w_mat, g))
    np.matmul(_split(w_mat, groups).swapaxes(-1, -2), _split(g, groups),
              out=_split(dcols, groups))
    return dcols


def _check_shapes(op, x, weight, groups, fits, layout):
    """Raise a clear error unless x is NCHW, weight 4-D and `fits()` (their channels agree)."""
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise OpError(f"{op}: groups must be an int >= 1, got {groups!r}")
    if weight.ndim != 4 or x.ndim != 4 or not fits():
        raise OpError(f"{op}: input {x.shape} and weight {weight.shape} do not match with "
                      f"groups={groups} (expected (N, C, H, W) and {layout})")


class Conv2d(Function):
    """Cross-correlation of x (N, C, H, W) with weight (O, C / groups, kh, kw), plus bias (O,).

    The output is an NCHW-shaped view of a channels-outermost buffer (see the module docstring).
    The batch is processed in chunks whose columns fit in cache; with several chunks, backward
    rebuilds each chunk's columns rather than keeping the whole batch's (kh * kw times the
    input) alive between the passes.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        _check_shapes("conv2d", x, weight, groups, lambda: x.shape[1] == weight.shape[1] * groups
                      and weight.shape[0] % groups == 0, "(out, C / groups, kh, kw)")
        o, _, kh, kw = weight.shape
        win = conv_window((kh, kw), stride, padding, dilation)
        n, c, h, w = x.shape
        ho, wo = win.out_size(h, w)
        xc = _channels_first(x)
        grid = win.padded(h, w) if win.unit_stride else (ho, wo)
        chunks = _batch_chunks(n, c * kh * kw * grid[0] * grid[1] * x.itemsize)
        w_mat = weight.reshape(o, -1)
        out = np.empty((o, n, *grid), dtype=np.result_type(x, weight))
        keep = len(chunks) == 1  # one chunk: backward reuses its columns

        def project(chunk):  # one matmul per chunk, written straight into the output
            cols, _ = _im2col(xc[:, chunk], win, keep)
            _project(w_mat, cols, groups, out[:, chunk].reshape(o, -1))
            return cols

        cols = parallel.run([functools.partial(project, chunk) for chunk in chunks])[-1]
        if bias is not None:
            out += bias[:, None, None, None]
        ctx.save_for_backward(x, weight, cols if keep else None)
        ctx.geometry = (win, groups, grid, chunks)
        return _channels_first(out[:, :, :ho, :wo])

    @staticmethod
    def backward(ctx, grad):
        x, weight, saved_cols = ctx.saved_tensors
        win, groups, grid, chunks = ctx.geometry
        o = weight.shape[0]
        xc = _channels_first(x)
        # (O, N, Ho, Wo), contiguous when grad kept conv's layout; stride 1: zero border columns
        g = _on_grid(_channels_first(grad), grid, "conv.grad_grid")
        needs = ctx.needs_input_grad
        w_mat = weight.reshape(o, -1)
        grad_x = np.empty(xc.shape, dtype=g.dtype) if needs[0] else None

        def chunk_grads(chunk):  # this chunk's part of grad_w; its rows of grad_x
            g_chunk = g[:, chunk].reshape(o, -1)
            part = None
            if needs[1]:
                cols = saved_cols if saved_cols is not None else _im2col(xc[:, chunk], win)[0]
                part = _weight_grad(cols, g_chunk, groups)
            if needs[0]:
                dcols = _back_project(w_mat, g_chunk, groups)
                grad_x[:, chunk] = _col2im(dcols, xc[:, chunk].shape, win, grid)
            return part

        parts = parallel.run([functools.partial(chunk_grads, chunk) for chunk in chunks])
        grad_w = None
        if needs[1]:
            grad_w = np.zeros(w_mat.shape, dtype=g.dtype)
            for part in parts:  # in chunk order: the same sum for any number of threads
                grad_w += part
        grad_b = g.sum(axis=(1, 2, 3)) if len(needs) > 2 and needs[2] else None
        return (None if grad_x is None else _channels_first(grad_x),
                None if grad_w is None else grad_w.reshape(weight.shape), grad_b)


def _pool_window(x, kernel_size, stride, padding, dilation, ceil_mode, op):
    """The Window of a pooling op over x (stride defaults to the kernel size). ceil_mode keeps
    a last, partial window wherever one starts inside the input or its left padding, as
    PyTorch: the Window then pads the bottom and right by what that window needs."""
    _check_ndim(x, op)
    kh, kw = _pair(kernel_size, f"{op} kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, f"{op} stride")
    ph, pw = _pair(padding, f"{op} padding", 0)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel_size}")
    win = Window(kh, kw, sh, sw, ph, ph, pw, pw, *_pair(dilation, f"{op} dilation"))
    if not ceil_mode:
        return win
    extra = []
    for n, k, s_, p, d in zip(x.shape[2:], (kh, kw), (sh, sw), (ph, pw), (win.dh, win.dw)):
        span = d * (k - 1) + 1
        count = -(-(n + 2 * p - span) // s_) + 1
        if (count - 1) * s_ >= n + p:
            count -= 1
        extra.append(max(0, (count - 1) * s_ + span - (n + 2 * p)))
    return win._replace(pb=ph + extra[0], pr=pw + extra[1])


POOL_CHUNK_BYTES = 1 << 19  # of pooling input per task: enough work to share out


def _pool_chunks(x):
    """Slices of x's batch axis of about POOL_CHUNK_BYTES each (by size: the same for any
    number of threads)."""
    per_image = max(1, x[:1].nbytes)
    return parallel.chunks(len(x), POOL_CHUNK_BYTES // per_image)


def _crop(a, win):
    """The unpadded part of a padded NCHW array."""
    return a[:, :, win.pt:a.shape[2] - win.pb, win.pl:a.shape[3] - win.pr]


def _taps(ndim, axis, k, s, n_out, d=1):
    """Index tuples of the k strided views along `axis`, one per window offset (d apart)."""
    index = [slice(None)] * ndim
    for j in range(k):
        index[axis] = slice(j * d, j * d + s * (n_out - 1) + 1, s)
        yield tuple(index)


def _max_along(x, axis, k, s, n_out, d=1, out=None):
    """Max over windows of k (stride s, dilation d) along one axis: k - 1 whole-array
    maximums, into `out` when given."""
    taps = list(_taps(x.ndim, axis, k, s, n_out, d))
    if k > 1:
        out = np.maximum(x[taps[0]], x[taps[1]], out=out)
    elif out is None:
        out = x[taps[0]].copy()
    else:
        out[...] = x[taps[0]]
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


def _route_max(grad, x, out, axis, k, s, d=1, dx=None):
    """Gradient of `_max_along` (into `dx` when given): each window's grad goes to its first
    max (or first NaN).

    The last tap needs no comparison: it holds the max of every window still open. When the
    windows tile the axis exactly (stride == kernel), each tap is written once, with no zeros
    and no additions.
    """
    disjoint = k == s and d == 1 and k * out.shape[axis] == x.shape[axis]
    if dx is None:
        dx = np.empty_like(x)
    if not disjoint:
        dx.fill(0)
    has_nan = np.isnan(out).any()
    taps = list(_taps(x.ndim, axis, k, s, out.shape[axis], d))
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
    def forward(ctx, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        win = _pool_window(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
        xp = _pad(x, win, -np.inf)
        _check_window(xp.shape, win, "max_pool2d")
        ho, wo = win.out_size(*x.shape[2:])
        n, c, hp, _ = xp.shape
        rows = np.empty_like(xp, shape=(n, c, hp, wo))  # xp's memory order (channels first)
        out = np.empty_like(xp, shape=(n, c, ho, wo))

        def pool(chunk):  # a max along rows, then along columns, for these images
            _max_along(xp[chunk], 3, win.kw, win.sw, wo, win.dw, rows[chunk])
            _max_along(rows[chunk], 2, win.kh, win.sh, ho, win.dh, out[chunk])

        parallel.run([functools.partial(pool, chunk) for chunk in _pool_chunks(xp)])
        ctx.save_for_backward(xp, rows, out)
        ctx.geometry = win
        return out

    @staticmethod
    def backward(ctx, grad):
        xp, rows, out = ctx.saved_tensors
        win = ctx.geometry
        grad = _in_layout_of(grad, out)
        grad_rows, grad_xp = np.empty_like(rows), np.empty_like(xp)

        def route(chunk):
            _route_max(grad[chunk], rows[chunk], out[chunk], 2, win.kh, win.sh, win.dh,
                       grad_rows[chunk])
            _route_max(grad_rows[chunk], xp[chunk], rows[chunk], 3, win.kw, win.sw, win.dw,
                       grad_xp[chunk])

        parallel.run([functools.partial(route, chunk) for chunk in _pool_chunks(xp)])
        return _crop(grad_xp, win)


def _avg_scale(win, size, out_size, count_include_pad, divisor_override, dtype):
    """1 / each window's divisor, as PyTorch: kh * kw (a number: the default), or per output
    position where ceil_mode's last windows stop at the padded edge or, without
    count_include_pad, where a window overlaps the padding (an (Ho, Wo) array)."""
    if divisor_override:
        return 1.0 / divisor_override
    counts = []
    for n, k, s, p, n_out in zip(size, (win.kh, win.kw), (win.sh, win.sw), (win.pt, win.pl),
                                 out_size):
        start = np.arange(n_out) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    if all((c == k).all() for c, k in zip(counts, (win.kh, win.kw))):
        return 1.0 / (win.kh * win.kw)
    return (1.0 / np.outer(*counts)).astype(dtype)


class AvgPool2d(Function):
    """Mean over each kh x kw window; zero padding counts in the mean unless
    count_include_pad=False (PyTorch's default and option)."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        win = _pool_window(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
        xp = _pad(x, win)
        _check_window(xp.shape, win, "avg_pool2d")
        view = sliding_window_view(xp, (win.kh, win.kw), axis=(2, 3))[:, :, ::win.sh, ::win.sw]
        out = np.zeros_like(view[..., 0, 0])
        for i in range(win.kh):  # kh * kw whole-array adds, faster than reducing tiny windows
            for j in range(win.kw):
                out += view[..., i, j]
        scale = _avg_scale(win, x.shape[2:], out.shape[2:], count_include_pad, divisor_override,
                           out.dtype)
        out *= scale
        ctx.geometry = (xp.shape, win, scale)
        return out

    @staticmethod
    def backward(ctx, grad):
        padded_shape, win, scale = ctx.geometry
        share = grad * scale
        (ho, wo), (sh, sw) = share.shape[2:], (win.sh, win.sw)
        dxp = np.zeros(padded_shape, dtype=share.dtype)
        for i in range(win.kh):
            for j in range(win.kw):
                dxp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += share
        return _crop(dxp, win)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as PyTorch): x (N, C, H, W), weight
    (O, C / groups, kh, kw); padding an int, a pair, "same" or "valid"."""
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias is None:
        return Conv2d.apply(x, weight, **options)
    return Conv2d.apply(x, weight, bias, **options)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over kernel_size windows (stride defaults to kernel_size; padding with -inf)."""
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                           dilation=dilation, ceil_mode=ceil_mode)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kernel_size windows (stride defaults to kernel_size; zero padding counts unless
    count_include_pad=False; divisor_override replaces the window size as divisor)."""
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding,
                           ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                           divisor_override=divisor_override)
