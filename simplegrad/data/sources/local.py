"""Datasets from local files: tables and save_to_disk folders (through `datasets`), image
folders, .npz archives and MNIST IDX files (NumPy only)."""
import itertools
import os
import re

import numpy as np

from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.errors import first_line
from simplegrad.data.source import SourceSpec
from simplegrad.data.sources.columns import COLUMN_OPTIONS, to_array_dataset
from simplegrad.data.sources.idx import has_idx_files, load_idx
from simplegrad.data.sources.images import stored_features
from simplegrad.npz_headers import check_members, open_npz

TABLE_FORMATS = {".parquet": "parquet", ".csv": "csv", ".tsv": "csv", ".json": "json",
                 ".jsonl": "json", ".arrow": "arrow"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
FEATURE_KEYS = ("x", "X", "features", "images", "inputs", "data")
LABEL_KEYS = ("y", "labels", "label", "targets", "target")
SAVED_MARKERS = ("state.json", "dataset_dict.json")   # written by Dataset(Dict).save_to_disk
_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:")  # `something:` is no path to make absolute


def load_local(path, split="train", image_column=None, label_column=None, feature_columns=None,
               flatten=True, normalize=None, num_classes=None, hf_cache_dir=None):
    """The dataset at `path` (file, folder or IDX prefix), split `split`, as an ArrayDataset."""
    source = os.fspath(path)
    path = os.path.expanduser(source)
    columns = dict(image_column=image_column, label_column=label_column,
                   feature_columns=feature_columns, flatten=flatten, normalize=normalize,
                   num_classes=num_classes)
    if os.path.isfile(path):
        extension = _extension(path)
        if extension == ".npz":
            return load_npz(path, split, feature_columns, label_column, flatten, normalize,
                            num_classes)
        if extension in TABLE_FORMATS:
            _single_split(source, split)
            table = _load_dataset(source, TABLE_FORMATS[extension], split="train",
                                  data_files=path, cache_dir=hf_cache_dir,
                                  **({"delimiter": "\t"} if extension == ".tsv" else {}))
            return to_array_dataset(table, source, **columns)
        if has_idx_files(path):
            return load_idx(path, split, flatten, normalize, num_classes, name=source)
        raise DataError(f"{source}: unknown file format {extension or '(no extension)'!r}; "
                        f"expected {', '.join(sorted(TABLE_FORMATS))}, .npz or MNIST IDX files")
    if os.path.isdir(path):
        if has_idx_files(path):
            return load_idx(path, split, flatten, normalize, num_classes, name=source)
        return to_array_dataset(_load_folder(source, path, split, hf_cache_dir), source, **columns)
    if has_idx_files(path):            # a prefix such as data/mnist/fashion-
        return load_idx(path, split, flatten, normalize, num_classes, name=source)
    if os.path.exists(path):
        raise DataError(f"{source}: is not a regular file or folder (a device, socket or "
                        f"pipe); expected a data file or a folder of data files")
    raise DataError(f"{source}: no such file or folder")


def _load_folder(source, path, split, hf_cache_dir):
    """A `datasets.Dataset` for `split` from a save_to_disk folder, table files or images."""
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(path):
        raise DataError(f"{source}: is the root folder; expected a folder of data files")
    extensions = _extensions_below(source, path)
    if any(os.path.isfile(os.path.join(path, marker)) for marker in SAVED_MARKERS):
        return _load_saved(source, path, split)
    if ".py" in extensions:
        raise DataError(f"{source}: holds a Python file (.py); simplegrad never runs dataset "
                        f"scripts from a data folder, remove it or point data.source at the "
                        f"data files themselves")
    if extensions & TABLE_FORMATS.keys():
        return _load_dataset(source, path, split=split, cache_dir=hf_cache_dir)
    if extensions & IMAGE_EXTENSIONS:
        return _load_dataset(source, "imagefolder", split=split, data_dir=path,
                             cache_dir=hf_cache_dir)
    found = ", ".join(sorted(e or "(no extension)" for e in extensions)) or "no files"
    raise DataError(f"{source}: no dataset files found (found {found}); expected a save_to_disk "
                    f"folder, parquet/csv/json/arrow files, images, .npz or MNIST IDX files")


def _load_saved(source, path, split):
    """A split of a `save_to_disk` folder (a Dataset or a DatasetDict)."""
    import datasets

    with _quiet(datasets):
        saved = datasets.load_from_disk(path)
    if isinstance(saved, datasets.DatasetDict):
        if split not in saved:
            raise DataError(f"{source}: no split {split!r} (splits found: {', '.join(saved)})")
        return saved[split]
    own = str(saved.split) if saved.split is not None else "train"
    if split not in (own, "train"):
        raise DataError(f"{source}: this saved dataset holds one split ({own!r}), not {split!r}")
    return saved


def _load_dataset(source, *args, **kwargs):
    """datasets.load_dataset with progress bars off and its errors as one-line DataErrors."""
    import datasets

    try:
        with _quiet(datasets):
            return datasets.load_dataset(*args, **kwargs)
    except ValueError as error:        # unknown split, bad file for the chosen format
        if "corresponds to no data" in str(error):
            raise DataError(f"{source}: holds no rows (the split is empty)") from None
        raise DataError(f"{source}: {first_line(error)}") from None
    except Exception as error:  # noqa: BLE001  (datasets fails in many ways on odd folders)
        while error.__cause__ is not None:  # "error while generating the dataset" hides why
            error = error.__cause__
        raise DataError(f"{source}: could not read ({type(error).__name__}: "
                        f"{first_line(error)})") from None


class _quiet:
    """Context manager: datasets' progress bars off inside, restored after."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __enter__(self):
        self.was_enabled = self.datasets.is_progress_bar_enabled()
        self.datasets.disable_progress_bars()

    def __exit__(self, *exc):
        if self.was_enabled:
            self.datasets.enable_progress_bars()


def load_npz(path, split="train", feature_key=None, label_key=None, flatten=True, normalize=None,
             num_classes=None):
    """An ArrayDataset from a .npz of feature and label arrays (x/y, features/labels, ...).

    Per-split archives use keys like x_train / y_test (or train_x). uint8 image stacks
    (N, H, W[, C]) are scaled to [0, 1] like decoded images; other arrays are kept as stored.
    A list of several feature keys puts those arrays (N,) or (N, k) side by side. Only the
    arrays used are read (their declared sizes checked first); other members stay untouched.
    """
    archive = open_npz(path, path, DataError, arrays=())
    if not hasattr(archive, "files"):  # a single .npy array, whatever the file is called
        raise DataError(f"{path}: holds a single array, not an .npz archive of features and "
                        f"labels")
    with archive:
        names = _split_arrays(path, {key: key for key in archive.files}, split)
        features = feature_key if isinstance(feature_key, (list, tuple)) else [feature_key]
        x_keys = [_pick(path, names, key, FEATURE_KEYS, "feature") for key in features]
        y_key = _pick(path, names, label_key, LABEL_KEYS, "label")
        wanted = [*x_keys, y_key] + ([names["num_classes"]] if "num_classes" in names else [])
        arrays = _read_members(path, archive, wanted)
    x = arrays[x_keys[0]] if len(x_keys) == 1 else _columns(path, features, x_keys, arrays)
    y = arrays[y_key]
    classes = arrays.get(names.get("num_classes"))
    if num_classes is None and classes is not None and classes.ndim == 0:
        num_classes = classes.item()  # checked by ArrayDataset, as given
    owned = x is not y  # read from the file just now (unless the labels are the same member)
    return ArrayDataset(stored_features(x, flatten, normalize, path, owned=owned), y,
                        num_classes, name=path)


def _read_members(path, archive, keys):
    """{key: array} of the named members of an open .npz, sizes checked before reading."""
    try:
        check_members(archive.zip, path, keys)
    except ValueError as error:
        raise DataError(error) from None
    try:
        arrays = {key: archive[key] for key in keys}
    except Exception as error:  # object arrays, CRC and zlib errors of a damaged member
        raise DataError(f"{path}: not a readable .npz file ({first_line(error)})") from None
    raw = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
    if raw:  # NumPy hands back members that are not .npy files as bytes
        raise DataError(f"{path}: entry {raw[0]!r} is not a NumPy array; not a readable .npz "
                        f"file")
    return arrays


def _columns(path, names, keys, arrays):
    """The arrays named by feature_columns, each (N,) or (N, k), side by side as columns."""
    for name, key in zip(names, keys):
        if arrays[key].ndim not in (1, 2):
            raise DataError(f"{path}: feature_columns {', '.join(names)}: array {name!r} has "
                            f"shape {arrays[key].shape}; only arrays of 1 or 2 dimensions (one "
                            f"row per sample) can be put side by side")
    try:
        return np.column_stack([arrays[key] for key in keys])
    except ValueError as error:  # different numbers of rows
        raise DataError(f"{path}: feature_columns {', '.join(names)}: {first_line(error)}") \
            from None


def _split_arrays(path, arrays, split):
    """The arrays of one split (keys like x_train or train_x), affix removed; shared keys kept."""
    names = ("train", "test", "val", "validation")
    chosen, shared, splits = {}, {}, set()
    for key, value in arrays.items():
        head, _, tail = key.rpartition("_")
        first, _, rest = key.partition("_")
        if head and tail in names:
            splits.add(tail)
            if tail == split:
                chosen[head] = value
        elif rest and first in names:
            splits.add(first)
            if first == split:
                chosen[rest] = value
        else:
            shared[key] = value
    if not splits:
        _single_split(path, split)
        return arrays
    if not chosen:
        raise DataError(f"{path}: no split {split!r} (splits found: {', '.join(sorted(splits))})")
    return {**shared, **chosen}


def _pick(path, arrays, wanted, conventional, what):
    """The array named `wanted`, or the first conventional name present."""
    if wanted is not None:
        if wanted not in arrays:
            raise DataError(f"{path}: no {what} array {wanted!r} (arrays found: "
                            f"{', '.join(arrays)})")
        return arrays[wanted]
    for key in conventional:
        if key in arrays:
            return arrays[key]
    raise DataError(f"{path}: no {what} array (looked for {', '.join(conventional)}; arrays "
                    f"found: {', '.join(arrays)})")


def _single_split(source, split):
    """Single-file sources hold one split, which datasets calls "train"."""
    if split != "train":
        raise DataError(f"{source}: a single file holds only the split 'train', not {split!r} "
                        f"(pass val_fraction to carve a validation split from it)")


def _extension(path):
    """Lower-case extension, looking through a trailing .gz (data.csv.gz -> .csv)."""
    name = os.path.basename(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]


def _extensions_below(source, path, limit=10000):
    """The set of file extensions under `path` (recursively; stops after `limit` files)."""
    return {_extension(name) for name in itertools.islice(files_below(source, path), limit)}


def files_below(source, path):
    """Every file under the folder `path` (recursively, not into linked folders), refusing a
    pipe, socket or device there: reading one would block forever or read garbage."""
    folders = [path]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append(entry.path)
                elif entry.is_file() or not os.path.exists(entry.path):  # or a broken link
                    yield entry.path
                else:
                    raise DataError(f"{source}: {entry.path} is not a regular file (a pipe, "
                                    "socket or device); remove it or move the data files "
                                    "elsewhere")


def _files(address):
    """[the file or folder a local address reads] (an IDX prefix such as data/fashion-: its
    folder); [] when it does not exist, or is the root folder (which loading refuses)."""
    path = os.path.expanduser(address)
    if not os.path.exists(path) and has_idx_files(path):
        path = os.path.dirname(os.path.abspath(path))
    root = os.path.dirname(os.path.realpath(path)) == os.path.realpath(path)
    return [path] if os.path.exists(path) and not root else []


SOURCE = SourceSpec(
    "local", "local path", "a local path",
    "a local file or folder: a parquet/csv/json/arrow table, a `save_to_disk` folder, an image "
    "folder, an `.npz`, MNIST IDX files (see below)",
    load_local, options=COLUMN_OPTIONS, matches=lambda address: True, files=_files,
    absolute=lambda address: address if _SCHEME.match(address) else
    os.path.abspath(os.path.expanduser(address)))
