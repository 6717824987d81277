"""Resampling along the spatial axes as matrix products: interpolate (nearest, linear/bilinear,
area) and adaptive average pooling.

Each of these is separable: output = R_h @ x @ R_w^T, with an (out, in) matrix per axis whose
rows hold the weights of the input pixels an output pixel reads (one 1 for nearest, two for
linear interpolation, 1/count over a range for area). Composed from matmul, the gradient is
the transposed resampling, with no op of its own. Matrices follow PyTorch's coordinates.
"""
import math

import numpy as np

from simplegrad.autograd import OpError


def _scale(n_in, n_out, align_corners, scale_factor):
    """Input pixels per output pixel, as PyTorch's area_pixel_compute_scale."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale_factor if scale_factor else n_in / n_out


def nearest_matrix(n_in, n_out, scale, exact=False):
    """(n_out, n_in): output i reads input floor(i * scale) (nearest-exact: of i + 0.5)."""
    source = np.floor((np.arange(n_out) + (0.5 if exact else 0.0)) * scale).astype(np.int64)
    matrix = np.zeros((n_out, n_in))
    matrix[np.arange(n_out), np.minimum(source, n_in - 1)] = 1.0
    return matrix


def linear_matrix(n_in, n_out, scale, align_corners):
    """(n_out, n_in): output i interpolates the two inputs around its source coordinate."""
    dst = np.arange(n_out, dtype=np.float64)
    source = dst * scale if align_corners else np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = source - low
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(matrix, (np.arange(n_out), high), frac)
    return matrix


def area_matrix(n_in, n_out):
    """(n_out, n_in): output i averages inputs floor(i * n_in / n_out) up to
    ceil((i + 1) * n_in / n_out), PyTorch's adaptive pooling windows."""
    matrix = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, stop = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


def resample(x, matrices):
    """x (N, C, *spatial) resampled along each spatial axis by its (out, in) matrix."""
    if x.ndim != 2 + len(matrices):
        raise OpError(f"expected an input of {2 + len(matrices)} dimensions (N, C, ...), got "
                      f"shape {x.shape}")
    rows = [m.astype(x.dtype) for m in matrices]
    if len(rows) == 1:
        return x @ rows[0].T
    return rows[0] @ x @ rows[1].T


def adaptive_matrices(spatial, output_size):
    """The (out, in) matrices of adaptive average pooling of an (H, W) plane to `output_size`
    (an int, a pair; None keeps that axis)."""
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    size = [n if s is None else s for n, s in zip(spatial, size)]
    if len(size) != 2 or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in size):
        raise OpError(f"adaptive_avg_pool2d: output_size must be an int >= 1 or a pair of them, "
                      f"got {output_size!r}")
    return [area_matrix(n, s) for n, s in zip(spatial, size)]


def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive windows so the output is `output_size`."""
    if x.ndim != 4:
        raise OpError(f"adaptive_avg_pool2d: expected an (N, C, H, W) input, got {x.shape}")
    return resample(x, adaptive_matrices(x.shape[2:], output_size))


MODES = {"nearest": 0, "nearest-exact": 0, "area": 0, "linear": 1, "bilinear": 2}


def _output_sizes(name, spatial, size, scale_factor):
    """The output size of each spatial axis, from `size` or from floor(in * scale_factor)."""
    if (size is None) == (scale_factor is None):
        raise OpError(f"{name}: give exactly one of size and scale_factor")
    given = size if size is not None else scale_factor
    values = list(given) if isinstance(given, (tuple, list)) else [given] * len(spatial)
    if len(values) != len(spatial):
        raise OpError(f"{name}: {len(values)} sizes or scale factors for {len(spatial)} "
                      f"spatial axes")
    if size is not None:
        return [int(v) for v in values], [None] * len(spatial)
    return [math.floor(n * f) for n, f in zip(spatial, values)], [float(f) for f in values]


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L) or (N, C, H, W) inputs to `size` or by `scale_factor`, as PyTorch:
    mode "nearest", "nearest-exact", "linear" (3-D), "bilinear" (4-D) or "area"."""
    if MODES.get(mode) and MODES[mode] != x.ndim - 2:
        raise OpError(f"interpolate: mode {mode!r} needs a {MODES[mode] + 2}-D input, got "
                      f"shape {x.shape}")
    return resample(x, interpolation_matrices(x.shape[2:], size, scale_factor, mode,
                                              align_corners, recompute_scale_factor, antialias))


def interpolation_matrices(spatial, size=None, scale_factor=None, mode="nearest",
                           align_corners=None, recompute_scale_factor=None, antialias=False):
    """The (out, in) matrix of each spatial axis for `interpolate`."""
    name = "interpolate"
    if mode not in MODES:
        raise OpError(f"{name}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if align_corners is not None and not MODES[mode]:
        raise OpError(f"{name}: align_corners is only for the linear modes, not {mode!r}")
    if antialias:
        raise OpError(f"{name}: antialias=True is not supported")
    sizes, factors = _output_sizes(name, spatial, size, scale_factor)
    if min(sizes, default=1) < 1:
        raise OpError(f"{name}: output size {sizes} has an empty axis")
    if recompute_scale_factor:
        factors = [None] * len(spatial)
    matrices = []
    for n_in, n_out, factor in zip(spatial, sizes, factors):
        if mode == "area":
            matrices.append(area_matrix(n_in, n_out))
        elif mode.startswith("nearest"):
            matrices.append(nearest_matrix(n_in, n_out, _scale(n_in, n_out, False, factor),
                                           mode == "nearest-exact"))
        else:
            matrices.append(linear_matrix(n_in, n_out,
                                          _scale(n_in, n_out, bool(align_corners), factor),
                                          bool(align_corners)))
    return matrices
