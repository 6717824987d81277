"""Datasets shipped inside the package, read as `builtin:NAME`: they need no network.

`builtin:digits` is the MNIST test set (10,000 real 28x28 handwritten digits, the unmodified
IDX files in `simplegrad/data/builtin/`), cut once into two fixed splits: `train` (8,000
images) and `test` (the other 2,000). See docs/data.md for the source and licence.
"""
import os

import numpy as np

from simplegrad.data.errors import DataError
from simplegrad.data.source import SourceSpec
from simplegrad.data.sources.idx import load_idx
from simplegrad.data.sources.images import FEATURE_OPTIONS

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "builtin")
DIGITS_SPLIT_SEED = 20_181  # fixed forever: changing it changes which images are `test`
DIGITS_TEST_EVERY = 5       # one image in five (per class) is `test`: 2,000 of 10,000
DIGITS_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
DATASETS = ("digits",)
SPLITS = ("train", "test")
PREFIX = "builtin:"


def load_builtin(name, split="train", flatten=True, normalize=None):
    """The bundled dataset `name` ("digits"), split "train" or "test", as an ArrayDataset."""
    describe_builtin(name, split)
    if not all(os.path.isfile(os.path.join(FOLDER, f)) for f in DIGITS_FILES):
        raise DataError(f"builtin:{name}: the bundled files {', '.join(DIGITS_FILES)} are "
                        f"missing from {FOLDER}; this installation of simplegrad is incomplete "
                        f"(reinstall it)")
    digits = load_idx(FOLDER, "test", flatten=flatten, normalize=normalize,
                      name=f"builtin:{name}")
    train, test = digits_split(digits.y)
    return digits.subset(train if split == "train" else test)


def describe_builtin(name, split="train", flatten=True, **_):
    """(per-sample shape, number of classes) of a bundled dataset's split, without reading it;
    a DataError for an unknown name or split."""
    if name not in DATASETS:
        raise DataError(f"unknown built-in dataset {name!r}; available: "
                        f"{', '.join('builtin:' + d for d in DATASETS)}")
    if split not in SPLITS:
        raise DataError(f"builtin:{name} has the splits 'train' (8,000 images) and 'test' "
                        f"(2,000), not {split!r}")
    return ((28 * 28,) if flatten else (1, 28, 28)), 10


def digits_split(labels):
    """(train indices, test indices) of the digits: a seeded, class-stratified 80/20 cut.

    The images are shuffled with a fixed seed, grouped by class (keeping the shuffled order
    inside each class), and every fifth of that sequence is `test`; so each class gives 20%
    of its images (to within one), and the cut is the same on every machine.
    """
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    order = order[np.argsort(labels[order], kind="stable")]
    is_test = np.arange(len(order)) % DIGITS_TEST_EVERY == 0
    return np.sort(order[~is_test]), np.sort(order[is_test])


SOURCE = SourceSpec(
    "builtin", "builtin:NAME", "`builtin:digits`",
    "10,000 real handwritten MNIST digits shipped inside the package: split `train` (8,000) and "
    "`test` (2,000); see [Bundled digits](#bundled-digits-builtindigits)",
    lambda address, split="train", **options: load_builtin(address[len(PREFIX):], split,
                                                            **options),
    options=FEATURE_OPTIONS, prefixes=(PREFIX,),
    describe=lambda address, split="train", **options: describe_builtin(
        address[len(PREFIX):], split, **options))
