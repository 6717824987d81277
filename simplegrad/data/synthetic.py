"""Built-in toy datasets that need no network: spirals, moons, circles, blobs, xor.

Each generator returns an ArrayDataset of 2-D points (blobs: `n_features` dims) with int64
labels. The points are drawn from `np.random.default_rng([seed, split_code])`, so the same
arguments always give the same arrays, and the "test" (or "validation") split is a fresh
sample of the same problem. Samples come out shuffled, classes as balanced as possible.
"""
import numpy as np

from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.source import NUM_CLASSES, SourceOption, SourceSpec
from simplegrad.memory import check_fits

SPLIT_CODES = {"train": 0, "test": 1, "validation": 2, "val": 2}
MAX_SAMPLES = 10_000_000  # more would not fit in memory on a laptop: a typo, not a toy problem
MAX_CLASSES = 1000
MAX_FEATURES = 10_000
DESCRIBE_SAMPLES = 60  # `describe` generates this many samples to learn the shape
PREFIX = "synthetic:"


def spirals(n_samples=300, noise=0.2, num_classes=3, seed=0, split="train"):
    """Interleaved spiral arms, one per class (the CS231n toy problem); needs a non-linear model."""
    rng, labels = _start("spirals", n_samples, num_classes, seed, split, noise)
    counts = np.bincount(labels, minlength=num_classes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n_samples) - starts[labels]           # position of each point in its arm
    radius = rank / np.maximum(counts[labels] - 1, 1)
    angle = labels * (2 * np.pi / num_classes) + radius * 4.0 + rng.normal(0.0, noise, n_samples)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return _finish(x, labels, num_classes, rng, "spirals")


def moons(n_samples=300, noise=0.1, num_classes=2, seed=0, split="train"):
    """Two interleaving half circles (two classes only)."""
    _require_two(num_classes, "moons")
    rng, labels = _start("moons", n_samples, 2, seed, split, noise)
    t = rng.uniform(0.0, np.pi, n_samples)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(labels[:, None] == 0, upper, lower) + rng.normal(0.0, noise, (n_samples, 2))
    return _finish(x, labels, 2, rng, "moons")


def circles(n_samples=300, noise=0.05, num_classes=2, seed=0, split="train", factor=0.5):
    """Concentric rings, one per class; with two classes the inner ring has radius `factor`."""
    rng, labels = _start("circles", n_samples, num_classes, seed, split, noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) \
            or not 0 < factor < 1:
        raise DataError(f"synthetic:circles: factor must be a number in (0, 1), got {factor!r}")
    if num_classes == 2:
        radii = np.array([1.0, float(factor)])
    else:
        radii = np.linspace(1.0, 1.0 / num_classes, num_classes)
    t = rng.uniform(0.0, 2 * np.pi, n_samples)
    r = radii[labels]
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + rng.normal(0.0, noise, (n_samples, 2))
    return _finish(x, labels, num_classes, rng, "circles")


def blobs(n_samples=300, noise=1.0, num_classes=3, seed=0, split="train", n_features=2):
    """Gaussian clusters (std `noise`) around centres in [-10, 10]^n_features.

    The centres depend on `seed` only, so every split samples the same clusters.
    """
    rng, labels = _start("blobs", n_samples, num_classes, seed, split, noise)
    if _not_int(n_features) or not 1 <= n_features <= MAX_FEATURES:
        raise DataError(f"synthetic:blobs: n_features must be an integer in [1, {MAX_FEATURES}], "
                        f"got {n_features!r}")
    _check_size("blobs", n_samples, n_features)
    centres = np.random.default_rng(seed).uniform(-10.0, 10.0, (num_classes, int(n_features)))
    x = centres[labels] + rng.normal(0.0, noise, (n_samples, int(n_features)))
    return _finish(x, labels, num_classes, rng, "blobs")


def xor(n_samples=300, noise=0.1, num_classes=2, seed=0, split="train"):
    """Points in [-1, 1]^2 labelled by the sign of x0 * x1 (the XOR of the quadrants)."""
    _require_two(num_classes, "xor")
    rng, _ = _start("xor", n_samples, 2, seed, split, noise)
    points = rng.uniform(-1.0, 1.0, (n_samples, 2))
    labels = (points[:, 0] * points[:, 1] < 0).astype(np.int64)
    x = points + rng.normal(0.0, noise, (n_samples, 2))
    return _finish(x, labels, 2, rng, "xor")


GENERATORS = {"spirals": spirals, "moons": moons, "circles": circles, "blobs": blobs, "xor": xor}


def load_synthetic(name, split="train", **options):
    """`synthetic:NAME` -> the generator NAME called with `options` (n_samples, noise, ...)."""
    if name not in GENERATORS:
        raise DataError(f"unknown synthetic dataset {name!r}; choose one of "
                        f"{', '.join(sorted(GENERATORS))}")
    try:
        return GENERATORS[name](split=split, **options)
    except TypeError as error:
        raise DataError(f"synthetic:{name}: {error}") from None


def _start(name, n_samples, num_classes, seed, split, noise):
    """Check the arguments; return the split's generator and balanced class-sorted labels."""
    if _not_int(n_samples) or n_samples < 1:
        raise DataError(f"synthetic:{name}: n_samples must be a positive integer, "
                        f"got {n_samples!r}")
    if n_samples > MAX_SAMPLES:
        raise DataError(f"synthetic:{name}: n_samples must be at most {MAX_SAMPLES:,}, "
                        f"got {n_samples!r}")
    if _not_int(num_classes) or not 2 <= num_classes <= MAX_CLASSES:
        raise DataError(f"synthetic:{name}: num_classes must be an integer >= 2 and at most "
                        f"{MAX_CLASSES}, got {num_classes!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.number)) \
            or not 0 <= noise < float("inf"):
        raise DataError(f"synthetic:{name}: noise must be a number >= 0, got {noise!r}")
    if _not_int(seed) or seed < 0:
        raise DataError(f"synthetic:{name}: seed must be a non-negative integer, got {seed!r}")
    if split not in SPLIT_CODES:
        raise DataError(f"synthetic:{name} has splits train, validation and test, not {split!r}")
    rng = np.random.default_rng([seed, SPLIT_CODES[split]])
    labels = (np.arange(n_samples) * num_classes // n_samples).astype(np.int64)
    return rng, labels


def _check_size(name, n_samples, n_features):
    """Refuse before generating when the float64 draws, their float32 copy and the shuffled
    copy (about 20 bytes a value) would not fit in memory."""
    try:
        check_fits(20 * n_samples * n_features, f"synthetic:{name} with {n_samples:,} samples x "
                                                f"{n_features:,} features")
    except ValueError as error:
        raise DataError(str(error)) from None


def _not_int(value):
    return isinstance(value, bool) or not isinstance(value, (int, np.integer))


def _require_two(num_classes, name):
    if num_classes != 2:
        raise DataError(f"synthetic:{name} has exactly 2 classes, got num_classes={num_classes!r}")


def _finish(x, labels, num_classes, rng, name):
    """Shuffle the sample order and wrap as a float32/int64 ArrayDataset."""
    order = rng.permutation(len(labels))
    return ArrayDataset(x[order].astype(np.float32), labels[order], num_classes,
                        name=f"synthetic:{name}")


def _describe(address, split="train", **options):
    """(shape, classes) of `synthetic:NAME` from a few generated samples (options checked)."""
    few = dict(options)
    if isinstance(few.get("n_samples"), int) and few["n_samples"] >= 1:  # else refused
        few["n_samples"] = min(few["n_samples"], DESCRIBE_SAMPLES)
    few.setdefault("n_samples", DESCRIBE_SAMPLES)
    sample = load_synthetic(address[len(PREFIX):], split, **few)
    return sample.input_shape, sample.num_classes


SOURCE = SourceSpec(
    "synthetic", "synthetic:NAME", "`synthetic:NAME`",
    f"{', '.join(f'`{name}`' for name in GENERATORS)}, made with NumPy",
    lambda address, split="train", **options: load_synthetic(address[len(PREFIX):], split,
                                                              **options),
    options={"n_samples": SourceOption("how many points"), "noise": SourceOption("noise level"),
             "num_classes": NUM_CLASSES,
             "seed": SourceOption("seed of the points (and of a val_fraction split)"),
             "factor": SourceOption("circles: radius of the inner ring"),
             "n_features": SourceOption("blobs: dimensions of each point")},
    prefixes=(PREFIX,), describe=_describe)
