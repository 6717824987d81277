"""Pictures into float32 features: decode a file (`read_image`, the one decoding training and
`predict` share), scale to [0, 1], lay out channels-first, normalise."""
import io
import warnings

import numpy as np

from simplegrad.data.errors import DataError
from simplegrad.errors import first_line
from simplegrad.data.source import SourceOption

CHANNELS = (1, 3, 4)  # grey, RGB, RGBA: what a channel axis of a picture stack holds
ORIENTATION = 0x0112  # the EXIF tag saying how the camera was turned
# Pillow modes whose numbers are not brightness (palette indices, ink, other colour spaces),
# read as the colours they show
# the options of every source that reads pictures or arrays
FEATURE_OPTIONS = {
    "flatten": SourceOption("images as `(N, C*H*W)` for MLPs (the default, true); false keeps `(N, C, "
                      "H, W)` for `Conv2d`"),
    "normalize": SourceOption("`(mean, std)`, numbers or one per channel/feature: `x = (x - mean) / "
                        "std` after scaling to [0, 1] (default: none)"),
}
AS_COLOURS = {"P": "RGB", "PA": "RGBA", "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB",
              "HSV": "RGB", "RGBX": "RGB", "RGBa": "RGBA", "La": "LA"}


def read_image(source, mode=None):
    """A picture file (a path or its bytes) -> its pixels as an array (H, W) or (H, W, C), as
    `datasets` decodes image columns: Pillow, the EXIF orientation applied, converted to `mode`
    if given, dtype as stored (uint8, uint16 for 16-bit, float32 for float TIFFs); a palette
    (or CMYK, YCbCr...) picture as the colours it shows, never its palette indices. An image
    over Pillow's pixel limit is refused (DataError) before its pixels are decoded."""
    from PIL import Image, ImageOps

    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(opened) as image:
                image.load()
                if image.getexif().get(ORIENTATION) is not None:
                    image = ImageOps.exif_transpose(image)
                mode = mode or AS_COLOURS.get(image.mode)
                if mode == "RGB" and image.mode == "P" and "transparency" in image.info:
                    mode = "RGBA"
                if mode and image.mode != mode:
                    image = image.convert(mode)
                return np.asarray(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise DataError(f"image over Pillow's limit of {Image.MAX_IMAGE_PIXELS:,} pixels: "
                            f"{error}") from None
        except (OSError, ValueError, SyntaxError) as error:  # truncated, empty, not an image
            raise DataError(first_line(error)) from None


def images_to_features(images, flatten=True, normalize=None, where="images",
                       channels_last=None):
    """Images (N, H, W) or (N, H, W, C) -> float32 (N, C*H*W) if `flatten`, else (N, C, H, W).

    A 4-D stack is channels-last (N, H, W, C) as pictures decode, or channels-first
    (N, C, H, W) as the library lays images out: `channels_last=None` tells them apart by the
    shape (a channel axis holds 1, 3 or 4 values) and refuses a stack that reads both ways.
    Integer pixels are divided by their dtype's maximum (255 for uint8), so values lie in
    [0, 1]. `normalize=(mean, std)` (numbers, or one per channel) is then applied as
    (x - mean) / std. Channels-first is what Conv2d expects (NCHW, as in PyTorch).
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[:, None]                     # grey: add a channel axis
    elif images.ndim == 4:
        if _channels_last(images.shape, channels_last, where):
            images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))   # HWC -> CHW
    else:
        raise DataError(f"{where}: expected images of shape (N, H, W) or (N, H, W, C), "
                        f"got {images.shape}")
    x = scale_to_unit(images, where)
    x = normalize_features(x, normalize, channel_axis=1, where=where)
    return x.reshape(len(x), -1) if flatten else x


def _channels_last(shape, given, where):
    """Whether a 4-D stack of `shape` is (N, H, W, C): `given`, else read from the shape."""
    if given is not None:
        return given
    first, last = shape[1] in CHANNELS, shape[3] in CHANNELS
    if first and last:
        raise DataError(f"{where}: images of shape {shape[1:]} could have their channels first "
                        f"({shape[1]} channels of {shape[2]}x{shape[3]}) or last ({shape[3]} "
                        f"channels of {shape[1]}x{shape[2]}); store them as (N, C, H, W) or "
                        "(N, H, W, C) with pictures larger than 4 pixels")
    return not first


def stored_features(x, flatten=True, normalize=None, where="array", channels_last=None,
                    owned=False):
    """Samples as an array file stores them -> float32 features: a uint8 stack of pictures
    (N, H, W[, C]) as `images_to_features` makes it, other numbers as they are, `normalize`
    applied. How .npz data is read for training, and arrays for `predict`. `owned`: `x` was
    just read from its file, so float32 data is used (and normalised) as it is, not copied (a
    copy of MNIST's 188 MB cost a run 0.3-0.5 s)."""
    if x.dtype == np.uint8 and x.ndim in (3, 4):
        return images_to_features(x, flatten, normalize, where, channels_last)
    if x.dtype.kind not in "fiub":
        return x  # the dataset refuses it, naming the dtype
    own = owned and x.flags.writeable and x.flags.c_contiguous
    x = x.astype(np.float32, copy=not own)
    return normalize_features(x, normalize, 1, where=where)


def scale_to_unit(array, where="images"):
    """A float32 copy of integer pixels scaled to [0, 1]; float pixels are kept as they are.

    uint8 is divided by 255 and uint16 by 65535. Wider integers (pixels that arrived as plain
    lists, or PIL's 32-bit "I" mode) are taken as 8-bit if no value exceeds 255, else 16-bit.
    """
    kind = array.dtype.kind
    if kind == "b":
        return array.astype(np.float32)
    if kind in "iu":
        x = array.astype(np.float32)
        return np.divide(x, _pixel_max(array), out=x)
    if kind == "f":
        return array.astype(np.float32)      # a copy: callers normalise it in place
    raise DataError(f"{where}: pixels must be numbers, got dtype {array.dtype}")


def _pixel_max(array):
    """The value that maps to 1.0 for integer pixels."""
    if array.dtype == np.uint8 or array.dtype == np.int8:
        return 255.0
    if array.dtype == np.uint16 or array.dtype == np.int16:
        return 65535.0
    largest = int(array.max()) if array.size else 0
    return 255.0 if largest <= 255 else 65535.0 if largest <= 65535 else float(largest)


def normalize_features(x, normalize, channel_axis=1, where="features"):
    """Apply `(x - mean) / std` in place on float32 `x`; mean/std are numbers or per-channel lists.

    `normalize=None` leaves x untouched.
    """
    if normalize is None:
        return x
    mean, std = _pair(normalize, where)
    channels = x.shape[channel_axis] if x.ndim > channel_axis else 1
    shape = [1] * x.ndim
    if x.ndim > channel_axis:
        shape[channel_axis] = channels
    mean, std = _per_channel(mean, channels, where), _per_channel(std, channels, where)
    if (std == 0).any():
        raise DataError(f"{where}: normalize std must not be 0, got {std.tolist()}")
    x -= mean.reshape(shape)
    x /= std.reshape(shape)
    return x


def _pair(normalize, where):
    """Split `normalize` into (mean, std) or raise a readable error."""
    if isinstance(normalize, dict) and {"mean", "std"} <= normalize.keys():
        return normalize["mean"], normalize["std"]
    if isinstance(normalize, (list, tuple)) and len(normalize) == 2:
        return normalize
    raise DataError(f"{where}: normalize must be (mean, std) or {{mean: ..., std: ...}}, "
                    f"got {normalize!r}")


def _per_channel(value, channels, where):
    """A float32 array of length `channels` from a number or a per-channel list."""
    try:
        array = np.asarray(value, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(f"{where}: normalize values must be numbers, got {value!r}") from None
    if not np.isfinite(array).all():
        raise DataError(f"{where}: normalize values must be finite numbers, got {value!r}")
    if array.size == 1:
        return np.repeat(array, channels)
    if array.size != channels:
        raise DataError(f"{where}: normalize needs one number or {channels} per-channel "
                        f"numbers, got {value!r}")
    return array
