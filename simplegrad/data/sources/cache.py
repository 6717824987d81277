"""On-disk cache of decoded datasets as .npz, so a second load skips download and decoding.

Files live under `$SIMPLEGRAD_CACHE` (default ~/.cache/simplegrad), one per dataset, split and
preprocessing: `<root>/<dataset>/<split>-<hash of the options>.npz`. They are written to a
temporary file and renamed, so an interrupted run never leaves half a file, and read with
`allow_pickle=False`, so a cache file can never run code.
"""
import hashlib
import json
import os
import re
import warnings

import numpy as np

from simplegrad.atomic import write_atomically
from simplegrad.data.dataset import ArrayDataset
from simplegrad.npz_headers import npz_shapes, open_npz

FORMAT_VERSION = 1


def cache_root(cache_dir=None):
    """The cache folder: `cache_dir`, else $SIMPLEGRAD_CACHE, else ~/.cache/simplegrad."""
    default = os.path.join("~", ".cache", "simplegrad")
    root = cache_dir or os.environ.get("SIMPLEGRAD_CACHE") or default
    return os.path.expanduser(os.fspath(root))


def cache_path(dataset, split, options, cache_dir=None):
    """Where the arrays for `dataset`/`split` decoded with `options` (a JSON-able dict) live."""
    key = json.dumps({"format": FORMAT_VERSION, "dataset": dataset, "split": split, **options},
                     sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(cache_root(cache_dir), _safe(dataset), f"{_safe(split)}-{digest}.npz")


def read_cache(path):
    """The cached ArrayDataset at `path`, or None if it is missing, unreadable or tampered with
    (a bad cache file is rebuilt, never fatal). It is checked like fresh data: sizes declared
    before reading, then features, labels and metadata as ArrayDataset checks any source."""
    if not os.path.isfile(path):
        return None
    try:
        with open_npz(path, path) as archive:
            meta = json.loads(str(archive["meta"]))
            x, y = archive["x"], archive["y"]
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
            return None
        names = meta.get("class_names")
        if names is not None and not (isinstance(names, list)
                                      and all(isinstance(n, str) for n in names)):
            return None
        if y.dtype.kind not in "iu":
            return None
        return ArrayDataset(x, y, meta.get("num_classes"), str(meta.get("name", "")), names)
    except Exception:  # noqa: BLE001  (zipfile, zlib, NumPy's header tokenizer...: rebuild)
        return None


def cached_shape(path):
    """(per-sample shape, number of classes) of the cache file at `path` from its headers and
    small metadata, no sample read; None if it is missing or not a cache file."""
    try:
        with open_npz(path, path, arrays=("meta",)) as archive:
            shape = npz_shapes(path).get("x")
            meta = json.loads(str(archive["meta"]))
        classes = meta.get("num_classes") if isinstance(meta, dict) else None
        if shape is None or meta.get("format") != FORMAT_VERSION or not isinstance(classes, int):
            return None
        return tuple(shape[1:]), classes
    except Exception:  # noqa: BLE001  (missing, damaged or tampered: unknown, as read_cache)
        return None


def write_cache(path, dataset):
    """Save `dataset` at `path` atomically; a cache that cannot be written only warns."""
    meta = {"format": FORMAT_VERSION, "num_classes": dataset.num_classes, "name": dataset.name,
            "class_names": dataset.class_names}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomically(path, lambda file: np.savez(file, x=dataset.x, y=dataset.y,
                                                     meta=np.array(json.dumps(meta))))
    except OSError as error:
        warnings.warn(f"could not write the dataset cache {path}: {error.strerror or error}",
                      stacklevel=2)


def _safe(text):
    """A file-name-safe version of a dataset id or split (`ylecun/mnist` -> `ylecun--mnist`)."""
    return re.sub(r"[^\w.-]+", "-", str(text).replace("/", "--")).strip("-") or "_"
