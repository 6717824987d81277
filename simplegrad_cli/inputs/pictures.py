"""What a model's training pictures looked like (layout, border brightness), kept in checkpoints so
`predict` can warn about a picture far from them (dark on light where it saw light on dark)."""
import math

import numpy as np

PROFILE_SAMPLES = 2000  # training pictures the profile is taken from


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


def _border_means(x):
    """The mean of each picture's outermost rows and columns (N, C, H, W) -> (N,)."""
    ring = np.concatenate([x[:, :, 0, :], x[:, :, -1, :], x[:, :, 1:-1, 0], x[:, :, 1:-1, -1]],
                          axis=-1)
    return ring.mean(axis=(1, 2), dtype=np.float64)


def picture_profile(x, layout):
    """{'border': [1st, 99th percentile of border brightness], 'spread': std of all values} of
    training inputs `x` as the model gets them; None for a model that reads no pictures."""
    if layout is None or not len(x):
        return None
    sample = x[:PROFILE_SAMPLES].reshape(-1, *layout)
    low, high = np.percentile(_border_means(sample), [1, 99])
    return {"border": [float(low), float(high)], "spread": float(sample.std(dtype=np.float64))}


def valid_profile(profile):
    """`profile` if it looks as `picture_profile` makes it (a checkpoint can hold anything)."""
    try:
        low, high = (float(v) for v in profile["border"])
        spread = float(profile["spread"])
    except (TypeError, KeyError, ValueError):
        return None
    return profile if all(map(math.isfinite, (low, high, spread))) and low <= high else None


def background_note(sample, layout, profile):
    """A warning when the border of one picture (as the model gets it) is far brighter or
    darker than any training picture's, else None."""
    if profile is None:
        return None
    border = _border_means(sample.reshape(1, *layout))[0]
    (low, high), spread = profile["border"], profile["spread"]
    margin = max(0.25 * (high - low), 0.5 * spread)
    if low - margin <= border <= high + margin:
        return None
    side = "brighter" if border > high else "darker"
    return (f"its background is much {side} than in the training pictures (inverted "
            "colours?): the prediction may mean little")


def size_note(height, width, layout):
    """A warning when a picture of height x width is far from the model's size or shape."""
    _, model_h, model_w = layout
    aspect, model_aspect = width / height, model_w / model_h
    scale = math.sqrt(height * width / (model_h * model_w))
    if max(aspect / model_aspect, model_aspect / aspect) <= 1.5 and 0.25 <= scale <= 4:
        return None
    return (f"{height}x{width} pixels resized to the model's {model_h}x{model_w} (aspect ratio "
            f"{aspect:.2f} where the model reads {model_aspect:.2f}; {scale:.1f} times its "
            "size): the prediction may mean little")
