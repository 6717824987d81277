"""`npy:FEATURES.npy,LABELS.npy`: a dataset saved as two arrays with `np.save`, one split
(`train`). Each file's header is checked before it is read; nothing is unpickled."""
import os

import numpy as np

from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.source import NUM_CLASSES, SourceSpec
from simplegrad.data.sources.images import FEATURE_OPTIONS, stored_features
from simplegrad.errors import first_line
from simplegrad.npz_headers import check_npy

PREFIX = "npy:"


def _paths(address):
    """(features path, labels path) of an address, or a DataError saying how to write it."""
    paths = [path.strip() for path in address[len(PREFIX):].split(",")]
    if len(paths) != 2 or not all(paths):
        raise DataError(f"{address}: expected npy:FEATURES.npy,LABELS.npy (two files, a comma "
                        "between them)")
    return [os.path.expanduser(path) for path in paths]


def _array(path):
    """The array saved in `path`, its header checked against the file and memory first."""
    if not os.path.isfile(path):
        raise DataError(f"{path}: no such file")
    try:
        check_npy(path, path)
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DataError(f"{path}: not a readable .npy array ({first_line(error)})") from None
    if hasattr(array, "files"):
        array.close()
        raise DataError(f"{path}: is an .npz archive; npy: takes two .npy files (give the "
                        ".npz itself as the source)")
    return array


def load_npy_pair(address, split="train", flatten=True, normalize=None, num_classes=None):
    """The ArrayDataset of `npy:X.npy,Y.npy`: the samples (uint8 images scaled to [0, 1] as
    decoded pictures are) and their labels."""
    if split != "train":
        raise DataError(f"{address}: holds only split 'train', not {split!r}")
    features, labels = _paths(address)
    x = stored_features(_array(features), flatten, normalize, features, owned=True)
    return ArrayDataset(x, _array(labels), num_classes, name=address)


SOURCE = SourceSpec(
    "npy", "npy:X.npy,Y.npy", "`npy:X.npy,Y.npy`",
    "features and labels saved as two NumPy `.npy` files (`np.save`); one split, `train`",
    load_npy_pair, {**FEATURE_OPTIONS, "num_classes": NUM_CLASSES}, prefixes=(PREFIX,),
    files=lambda address: [path for path in _paths(address) if os.path.exists(path)],
    absolute=lambda address: PREFIX + ",".join(map(os.path.abspath, _paths(address))))
