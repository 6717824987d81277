"""New inputs for `simplegrad predict` (images, .npy/.npz arrays, CSV rows), turned into what
the model saw in training by the same library and config steps; an input that cannot fit the
model is one CliError line naming it and what the model expects."""
import csv
import math
import os
from dataclasses import dataclass

import numpy as np
from simplegrad.data.columns import LABEL_NAMES
from simplegrad.data.images import images_to_features, normalize_features
from simplegrad.data.local import FEATURE_KEYS, IMAGE_EXTENSIONS, files_below
from simplegrad.npz_headers import check_npy, check_npz

from simplegrad_cli.build import transform_features
from simplegrad_cli.errors import CliError, first_line

ARRAY_EXTENSIONS = (".npy", ".npz")
TABLE_EXTENSIONS = (".csv", ".tsv")
MODES = {1: "L", 3: "RGB", 4: "RGBA"}  # Pillow mode for each channel count


@dataclass
class ModelInput:
    """What the model takes: per-sample shape, image layout (C, H, W) if it reads images, and
    the config whose preprocessing the training data went through."""

    cfg: object
    shape: tuple
    layout: tuple = None

    @classmethod
    def of(cls, cfg, shape):
        """The input description of a model trained with `cfg` on samples of `shape`."""
        return cls(cfg, tuple(shape), image_layout(shape))

    def expects(self):
        """'images of 1x28x28 (grayscale)' or '2 feature values': for error messages."""
        if self.layout is None:
            return f"{math.prod(self.shape)} feature values per sample (shape {self.shape})"
        c, h, w = self.layout
        kind = "grayscale" if c == 1 else MODES.get(c, f"{c}-channel")
        return f"images of {c}x{h}x{w} ({kind})"

    def prepare(self, raw, where):
        """Raw samples (N, ...) -> float32 model input, scaled and normalised as in training."""
        normalize = (self.cfg.values["data"].get("options") or {}).get("normalize")
        try:
            if raw.dtype == np.uint8 and raw.ndim in (3, 4) and self.layout is not None:
                x = images_to_features(raw, flatten=False, normalize=normalize, where=where)
            else:
                x = normalize_features(np.array(raw, dtype=np.float32), normalize, 1, where)
        except ValueError as error:  # the library's DataError, or a failed float conversion
            raise CliError(f"{where}: {error}") from None
        x = transform_features(self.cfg, x)
        if x.shape[1:] != self.shape and x[0].size == math.prod(self.shape) \
                and self.layout is not None:
            x = x.reshape(len(x), *self.shape)  # images for a model trained on flat pixels
        if x.shape[1:] != self.shape:
            raise CliError(f"{where}: samples have shape {tuple(raw.shape[1:])}, but the model "
                           f"expects {self.expects()}")
        if not np.isfinite(x).all():
            raise CliError(f"{where}: holds NaN or infinite values")
        return x


def image_layout(shape):
    """(channels, height, width) of the images a model reads, or None for feature vectors; a
    flat input of 1 x s x s or 3 x s x s values (s >= 8, e.g. 784) is square images."""
    if len(shape) == 3:
        return tuple(shape)
    if len(shape) == 1:
        for channels in (1, 3):
            side = math.isqrt(shape[0] // channels)
            if side >= 8 and channels * side * side == shape[0]:
                return (channels, side, side)
    return None


def expand(inputs):
    """Input paths with folders replaced by the image files below them (sorted)."""
    files = []
    for path in map(str, inputs):
        if os.path.isdir(path):
            found = sorted(filter(is_image, files_below(path, path)))
            if not found:
                raise CliError(f"{path}: a folder with no image files "
                               f"({', '.join(sorted(IMAGE_EXTENSIONS))})")
            files += found
        elif os.path.isfile(path):
            files.append(path)
        elif os.path.exists(path):  # reading a pipe would block until someone writes to it
            raise CliError(f"{path}: is not a regular file (a pipe, socket or device)")
        else:
            raise CliError(f"{path}: no such file or folder")
    return files


def is_image(path):
    """Whether `path` is read as an image (by its extension)."""
    return _extension(path) in IMAGE_EXTENSIONS


def _extension(path):
    return os.path.splitext(str(path))[1].lower()


def decode_images(paths, model_input):
    """Image files -> uint8 array (N, H, W[, C]) in the model's channels and size."""
    if model_input.layout is None:
        raise CliError(f"{paths[0]}: is an image, but the model expects "
                       f"{model_input.expects()} (a CSV row or a .npy/.npz array)")
    from PIL import Image, UnidentifiedImageError

    channels, height, width = model_input.layout
    if channels not in MODES:
        raise CliError(f"{paths[0]}: the model reads {channels}-channel images, which cannot "
                       "be made from image files")
    pixels = []
    for path in paths:
        try:
            with Image.open(path) as image:
                image = image.convert(MODES[channels])
                if image.size != (width, height):
                    image = image.resize((width, height), Image.Resampling.BILINEAR)
                pixels.append(np.asarray(image, dtype=np.uint8))
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) \
                as error:
            raise CliError(f"{path}: cannot decode the image ({first_line(error)}); the model "
                           f"expects {model_input.expects()}") from None
    return np.stack(pixels)


def read_samples(path, model_input):
    """A .npy/.npz array or a CSV table of samples -> (raw array (N, ...), names)."""
    extension = _extension(path)
    if extension in ARRAY_EXTENSIONS:
        raw = _read_array(path)
    elif extension in TABLE_EXTENSIONS:
        raw = _read_table(path, model_input, "\t" if extension == ".tsv" else ",")
    else:
        known = ", ".join(ARRAY_EXTENSIONS + TABLE_EXTENSIONS)
        raise CliError(f"{path}: unknown input type {extension or '(no extension)'!r}; expected "
                       f"images, a folder of images, {known}")
    if raw.dtype.kind not in "fiub":
        raise CliError(f"{path}: holds {raw.dtype} values, not numbers; the model expects "
                       f"{model_input.expects()}")
    singles = {model_input.shape}  # shapes of a single sample (no batch axis)
    if model_input.layout is not None:
        c, h, w = model_input.layout
        singles |= {(h, w), (h, w, c), (c, h, w)} if c > 1 else {(h, w), (c, h, w)}
    if tuple(raw.shape) in singles:
        raw = raw[None]
    if raw.ndim < 2 or len(raw) == 0:
        raise CliError(f"{path}: holds an array of shape {raw.shape}; the model expects "
                       f"{model_input.expects()}, stacked as (N, ...)")
    return raw, [f"{path}[{i}]" for i in range(len(raw))]


def _read_array(path):
    """The samples array of a .npy, or of a .npz (its features array: x, features, ...)."""
    try:
        with open(path, "rb") as file:
            zipped = file.read(2) == b"PK"
        (check_npz if zipped else check_npy)(path, path)
    except ValueError as error:
        raise CliError(str(error)) from None
    except OSError:
        pass  # np.load below says why the file cannot be read
    try:
        loaded = np.load(path, allow_pickle=False)
        if not hasattr(loaded, "files"):
            return loaded
        with loaded:
            keys = [k for k in FEATURE_KEYS if k in loaded.files] or loaded.files
            if len(keys) > 1 and not set(keys) & set(FEATURE_KEYS):
                raise CliError(f"{path}: holds several arrays ({', '.join(keys)}) and none is "
                               f"called {' or '.join(FEATURE_KEYS)}")
            return loaded[keys[0]]
    except CliError:
        raise
    except Exception as error:  # np.load: OSError, ValueError, zipfile errors, EOFError...
        raise CliError(f"{path}: not a readable NumPy array file ({first_line(error)})") from None


def _read_table(path, model_input, delimiter):
    """CSV feature rows -> float32 array (N, ...); a header row and a label column (label,
    target, y, ...) are skipped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter)  # rows with their line numbers,
            rows = [(reader.line_num, row) for row in reader if row]  # blank lines skipped
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CliError(f"{path}: cannot read the table ({error})") from None
    if not rows:
        raise CliError(f"{path}: holds no rows; the model expects {model_input.expects()}")
    first, width = rows[0][0], len(rows[0][1])
    keep = range(width)
    try:
        list(map(float, rows[0][1]))  # numbers only: no header row
    except ValueError:  # words: a header row, whose label columns are left out
        header = [name.strip().lower() for name in rows[0][1]]
        keep = [i for i, name in enumerate(header) if name not in LABEL_NAMES]
        rows = rows[1:]
    expected = math.prod(model_input.shape)
    values = np.empty((len(rows), expected), dtype=np.float32)
    for index, (number, row) in enumerate(rows):
        if len(row) != width:  # never cut to the first row's width without a word
            raise CliError(f"{path} line {number}: has {len(row)} fields, but line {first} has "
                           f"{width}; every row needs the same columns")
        cells = [row[i] for i in keep]
        if len(cells) != expected:
            pixels = f" (the pixels of {model_input.expects()})" if model_input.layout else ""
            raise CliError(f"{path} line {number}: has {len(cells)} values, but the model "
                           f"expects {expected} values per row{pixels}")
        try:
            values[index] = [float(cell) for cell in cells]
        except ValueError:
            raise CliError(f"{path} line {number}: holds a value that is not a number; the "
                           f"model expects {model_input.expects()}") from None
    return values.reshape(len(values), *model_input.shape)
