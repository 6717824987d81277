"""MNIST-style IDX files (`train-images-idx3-ubyte[.gz]` ...), read with NumPy alone."""
import gzip
import math
import os
import re
import zlib

import numpy as np

from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.sources.images import images_to_features
from simplegrad.memory import check_fits

# IDX type codes -> big-endian NumPy dtypes (see the MNIST page by LeCun et al.)
_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# e.g. "train-images-idx3-ubyte.gz", "t10k-labels.idx1-ubyte", "fashion-test-images-idx3-ubyte"
_NAME = re.compile(r"^(?P<prefix>.*?)(?P<split>train|t10k|test)[-_.](?P<kind>images|labels)"
                   r"[-_.]idx(?P<ndim>\d)[-_.]ubyte(?P<gz>\.gz)?$")
GZIP_MAX_RATIO = 1032  # deflate's largest expansion: more declared data cannot be in the file
_SPLITS = {"train": ("train",), "test": ("t10k", "test")}


def read_idx(path):
    """Read one IDX file, gzipped or not, into an array of its stored shape and type.

    The header (magic number, type code, dimensions) is read first and the size it declares is
    checked against the file and the memory budget before any data is read, so a truncated,
    foreign or decompression-bomb file is a DataError, not a garbage array or an OOM kill.
    """
    if os.path.exists(path) and not os.path.isfile(path):  # opening a pipe would block
        raise DataError(f"{path}: is not a regular file (a pipe, socket or device); expected "
                        "an MNIST IDX file")
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            size = os.fstat(raw.fileno()).st_size
            if not gzipped:
                return _read_stream(path, raw, size)
            with gzip.GzipFile(fileobj=raw) as stream:
                return _read_stream(path, stream, None, compressed_size=size)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: corrupt gzip data ({error})") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from None


def _read_stream(path, stream, file_size, compressed_size=None):
    """The array in the IDX `stream`; `file_size` is its size when not compressed (else None),
    `compressed_size` the gzip file's size (deflate expands at most GZIP_MAX_RATIO times)."""
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number {magic.hex() or 'empty'})")
    code, ndim = magic[2], magic[3]
    if code not in _DTYPES:
        raise DataError(f"{path}: unknown IDX data type code 0x{code:02x}")
    header = stream.read(4 * ndim)
    if len(header) < 4 * ndim:
        raise DataError(f"{path}: truncated IDX file (header cut short)")
    dims = tuple(int.from_bytes(header[i:i + 4], "big") for i in range(0, 4 * ndim, 4))
    dtype = np.dtype(_DTYPES[code])
    expected = math.prod(dims) * dtype.itemsize  # Python ints: no overflow for any header
    if file_size is not None and file_size - 4 - 4 * ndim != expected:
        _size_mismatch(path, dims, expected, file_size - 4 - 4 * ndim)
    if compressed_size is not None and expected > GZIP_MAX_RATIO * compressed_size:
        _size_mismatch(path, dims, expected, f"at most {GZIP_MAX_RATIO * compressed_size} "
                                             f"(a {compressed_size}-byte gzip file)")
    try:
        check_fits(expected, f"the IDX data of shape {dims}")
    except ValueError as error:
        raise DataError(f"{path}: {error}") from None
    data = stream.read(expected + 1)    # one byte more tells a longer file apart
    if len(data) != expected:
        _size_mismatch(path, dims, expected, f"{len(data)}{'+' if len(data) > expected else ''}")
    array = np.frombuffer(data, dtype=dtype, count=math.prod(dims)).reshape(dims)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def _size_mismatch(path, dims, expected, held):
    raise DataError(f"{path}: IDX header says shape {dims} ({expected} bytes of data) but the "
                    f"file holds {held}; it is truncated or corrupt")


def find_idx_files(path, split="train"):
    """`(images_path, labels_path)` for `split` from a folder, a path prefix or one of the files.

    split "train" looks for train-*, split "test" for t10k-* (or test-*).
    """
    if split not in _SPLITS:
        raise DataError(f"{path}: MNIST IDX files have splits 'train' and 'test', not {split!r}")
    candidates = _candidates(path)
    found = {"images": [], "labels": []}
    for name in candidates:
        match = _NAME.match(os.path.basename(name))
        if match and match["split"] in _SPLITS[split]:
            found[match["kind"]].append(name)
    if not found["images"] or not found["labels"]:
        missing = "images" if not found["images"] else "labels"
        names = ", ".join(sorted(os.path.basename(c) for c in candidates)[:6]) or "none"
        present = [other for other in _SPLITS if other != split and _split_present(candidates,
                                                                                  other)]
        only = f"; it holds only split {present[0]!r}" if present else ""
        raise DataError(f"{path}: no {split} {missing} IDX file "
                        f"({_SPLITS[split][0]}-{missing}-idx{3 if missing == 'images' else 1}"
                        f"-ubyte[.gz]); files found: {names}{only}")
    # prefer the uncompressed file when both exist (faster to read)
    return min(found["images"], key=_gz_last), min(found["labels"], key=_gz_last)


def _split_present(candidates, split):
    """Whether both the images and the labels file of `split` are among `candidates`."""
    kinds = {match["kind"] for match in map(_NAME.match, map(os.path.basename, candidates))
             if match and match["split"] in _SPLITS[split]}
    return kinds == {"images", "labels"}


def has_idx_files(path):
    """True when `path` (folder, prefix or file) names at least one IDX images file."""
    return any(_NAME.match(os.path.basename(name)) for name in _candidates(path))


def _candidates(path):
    """Files in the folder `path`, or in its parent folder that start with its base name."""
    path = os.fspath(path)
    if os.path.isdir(path):
        folder, prefix = path, ""
    else:
        folder, prefix = os.path.dirname(path) or ".", os.path.basename(path)
        if os.path.isfile(path) and _NAME.match(prefix):
            match = _NAME.match(prefix)
            prefix = match["prefix"]        # one of the files: look at its siblings
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names
            if n.startswith(prefix) and not os.path.isdir(os.path.join(folder, n))]


def _gz_last(name):
    return (name.endswith(".gz"), name)


def load_idx(path, split="train", flatten=True, normalize=None, num_classes=None, name=None):
    """An ArrayDataset from MNIST-family IDX files: images scaled to [0, 1], int64 labels.

    num_classes defaults to max(10, largest label + 1), since IDX files are the MNIST family.
    """
    images_path, labels_path = find_idx_files(path, split)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise DataError(f"{images_path}: expected images of shape (N, H, W), got {images.shape}")
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: expected 1-D labels, got shape {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{images_path}: {len(images)} images but {labels_path} has "
                        f"{len(labels)} labels")
    x = images_to_features(images, flatten, normalize, where=images_path)
    if num_classes is None and len(labels):
        num_classes = max(10, int(labels.max()) + 1)
    return ArrayDataset(x, labels.astype(np.int64), num_classes, name=name or os.fspath(path))
