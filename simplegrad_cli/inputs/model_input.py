"""New inputs for `simplegrad predict` turned into what the model saw in training, by the same
steps; an input that cannot fit is one CliError line naming it and what the model expects."""
import math
import os
from dataclasses import dataclass

import numpy as np
from simplegrad.data import DataError
from simplegrad.data.sources.images import read_image, scale_to_unit, stored_features
from simplegrad.data.sources.local import IMAGE_EXTENSIONS, files_below

from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.pictures import background_note, image_layout, size_note, valid_profile
from simplegrad_cli.inputs.datasets import transform_features

MODES = {1: "L", 3: "RGB", 4: "RGBA"}  # Pillow mode for each channel count
LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # RGB -> grey, as Pillow's "L" weighs them


@dataclass
class ModelInput:
    """What the model takes: the config that preprocessed its data, per-sample shape, image layout
    (C, H, W) if any, the look of its training pictures (pictures.py) and its classes."""

    cfg: object
    shape: tuple
    layout: tuple = None
    profile: dict = None
    class_names: list = None
    num_classes: int = None

    @classmethod
    def of(cls, cfg, shape, profile=None, class_names=None, num_classes=None):
        """The input description of a model trained with `cfg` on samples of `shape`."""
        return cls(cfg, tuple(shape), image_layout(shape), valid_profile(profile), class_names,
                   num_classes)

    def expects(self):
        """'images of 1x28x28 (grayscale)' or '2 feature values': for error messages."""
        if self.layout is None:
            return f"{math.prod(self.shape)} feature values per sample (shape {self.shape})"
        c, h, w = self.layout
        kind = "grayscale" if c == 1 else MODES.get(c, f"{c}-channel")
        return f"images of {c}x{h}x{w} ({kind})"

    def prepare(self, raw, where):
        """Raw samples (N, ...) -> float32 model input, read as training read its data
        (`stored_features`), then the config's flatten and normalize."""
        normalize = (self.cfg.values["data"].get("options") or {}).get("normalize")
        try:
            x = stored_features(raw, False, normalize, where, self._channels_last(raw, where))
            x = np.asarray(x, dtype=np.float32)
        except ValueError as error:  # the library's DataError, or a failed float conversion
            raise CliError(f"{where}: {error}") from None
        x = transform_features(self.cfg, x)
        flat = x.ndim == 2 or len(self.shape) == 1 or (self.layout and self.layout[0] == 1)
        if x.shape[1:] != self.shape and x[0].size == math.prod(self.shape) \
                and self.layout is not None and flat:
            x = x.reshape(len(x), *self.shape)  # flat pixels for an image model, or back
        if x.shape[1:] != self.shape:
            raise CliError(f"{where}: samples have shape {tuple(raw.shape[1:])}, but the model "
                           f"expects {self.expects()}")
        if not np.isfinite(x).all():
            raise CliError(f"{where}: holds NaN or infinite values")
        return x

    def _channels_last(self, raw, where):
        """Whether a 4-D stack of pictures is (N, H, W, C), by the model's layout (None: not a
        picture stack the layout decides); a stack that fits both ways is refused."""
        if raw.ndim != 4 or self.layout is None:
            return None
        c, h, w = self.layout
        first, last = raw.shape[1:] == (c, h, w), raw.shape[1:] == (h, w, c)
        if first and last:
            raise CliError(f"{where}: samples of shape {raw.shape[1:]} could hold their "
                           f"channels first or last (the model reads {c}x{h}x{w} images); save "
                           "them as float32 in the model's layout (N, C, H, W)")
        return last if first or last else None

    def unusual(self, sample):
        """Warnings about one prepared sample far from the training pictures ([] if none)."""
        if self.layout is None:
            return []
        note = background_note(sample, self.layout, self.profile)
        return [note] if note else []


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
    return os.path.splitext(str(path))[1].lower() in IMAGE_EXTENSIONS


def decode_images(paths, model_input):
    """Image files -> (float32 (N, C, H, W) in [0, 1], warnings per image): read as training read
    them, then fitted to the model's channels and size."""
    if model_input.layout is None:
        raise CliError(f"{paths[0]}: is an image, but the model expects "
                       f"{model_input.expects()} (a CSV row or a .npy/.npz array)")
    channels, height, width = model_input.layout
    if channels not in MODES:
        raise CliError(f"{paths[0]}: the model reads {channels}-channel images, which cannot "
                       "be made from image files")
    pictures, notes = [], []
    for path in paths:
        try:
            pixels = scale_to_unit(read_image(path))
        except DataError as error:
            raise CliError(f"{path}: cannot decode the image ({error}); the model expects "
                           f"{model_input.expects()}") from None
        pixels = _with_channels(pixels if pixels.ndim == 3 else pixels[:, :, None], channels)
        found = pixels.shape[:2]
        notes.append([note] if (note := size_note(*found, model_input.layout)) else [])
        if found != (height, width):
            pixels = _resized(pixels, height, width)
        pictures.append(pixels.transpose(2, 0, 1))
    return np.stack(pictures), notes


def _with_channels(pixels, channels):
    """(H, W, C) float pixels with `channels` channels: grey <-> colour, alpha kept or added."""
    have = pixels.shape[2]
    if have == channels:
        return pixels
    colour = pixels[:, :, :3] if have >= 3 else np.repeat(pixels[:, :, :1], 3, axis=2)
    if channels == 1:
        return (colour @ LUMA)[:, :, None]
    if channels == 3:
        return colour
    alpha = pixels[:, :, -1:] if have in (2, 4) else np.ones_like(pixels[:, :, :1])
    return np.concatenate([colour, alpha], axis=2)


def _resized(pixels, height, width):
    """(H, W, C) float pixels resized bilinearly to height x width, in float (no rounding)."""
    from PIL import Image

    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(pixels[:, :, c]), "F")
                                .resize((width, height), Image.Resampling.BILINEAR))
                     for c in range(pixels.shape[2])], axis=2)
