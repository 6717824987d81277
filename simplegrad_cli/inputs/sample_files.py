"""Samples in files for `simplegrad predict`: .npy/.npz arrays and CSV/TSV tables, with the labels
stored beside them as the model's class numbers; a table's header is told by content."""
import csv
import math
import os

import numpy as np
from simplegrad.data import DataError
from simplegrad.data.labels import encode_labels
from simplegrad.data.sources.columns import LABEL_NAMES
from simplegrad.data.sources.local import FEATURE_KEYS, LABEL_KEYS
from simplegrad.errors import first_line
from simplegrad.npz_headers import check_npy, check_npz

from simplegrad_cli.errors import CliError

ARRAY_EXTENSIONS = (".npy", ".npz")
TABLE_EXTENSIONS = (".csv", ".tsv")


def read_samples(path, model_input):
    """A .npy/.npz array or a CSV table of samples -> (raw array (N, ...), names, labels or
    None): labels stored beside the samples (a y/labels array, a label column) are read."""
    extension = os.path.splitext(str(path))[1].lower()
    if extension in ARRAY_EXTENSIONS:
        raw, labels = _read_array(path)
    elif extension in TABLE_EXTENSIONS:
        raw, labels = _read_table(path, model_input, "\t" if extension == ".tsv" else ",")
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
    if labels is not None:
        labels = _class_numbers(labels, len(raw), model_input.class_names,
                                model_input.num_classes, path)
    return raw, [f"{path}[{i}]" for i in range(len(raw))], labels


def _class_numbers(labels, count, class_names, num_classes, where):
    """Labels as class numbers: integers as they are, names through the model's class names."""
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != count:
        raise CliError(f"{where}: holds {count} samples but {len(labels)} labels")
    if labels.dtype.kind in "US":
        names = {str(name): index for index, name in enumerate(class_names or ())}
        unknown = next((str(v) for v in labels if str(v) not in names), None)
        if unknown is not None:
            raise CliError(f"{where}: label {unknown!r} is not one of the model's classes "
                           f"({', '.join(names) or 'it has no class names'})")
        return np.array([names[str(v)] for v in labels], np.int64)
    try:
        numbers, _ = encode_labels(labels, where)
    except DataError as error:
        raise CliError(str(error)) from None
    if num_classes is not None and numbers.size and numbers.max() >= num_classes:
        raise CliError(f"{where}: label {numbers.max()} is out of range for the model's "
                       f"{num_classes} classes")
    return numbers


def _read_array(path):
    """(samples, labels or None) of a .npy, or of a .npz (its features array: x, features,
    ...; its labels array: y, labels, ...)."""
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
            return loaded, None
        with loaded:
            labels = next((k for k in LABEL_KEYS if k in loaded.files), None)
            keys = [k for k in FEATURE_KEYS if k in loaded.files] or \
                [k for k in loaded.files if k != labels]
            if len(keys) != 1 and not set(keys) & set(FEATURE_KEYS):
                raise CliError(f"{path}: holds several arrays ({', '.join(keys)}) and none is "
                               f"called {' or '.join(FEATURE_KEYS)}")
            return loaded[keys[0]], None if labels is None else loaded[labels]
    except CliError:
        raise
    except Exception as error:  # np.load: OSError, ValueError, zipfile errors, EOFError...
        raise CliError(f"{path}: not a readable NumPy array file ({first_line(error)})") from None


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_table(path, model_input, delimiter):
    """CSV feature rows -> (float32 (N, ...), labels or None): a first row of names only is a header
    (naming any label column), of numbers only is data; anything else is refused, not guessed."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            rows = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CliError(f"{path}: cannot read the table ({error})") from None
    if not rows:
        raise CliError(f"{path}: holds no rows; the model expects {model_input.expects()}")
    first, cells = rows[0]
    numbers = [_is_number(cell) for cell in cells]
    keep, label = range(len(cells)), None
    if not all(numbers):
        empty = [i for i, cell in enumerate(cells) if not cell.strip()]
        if any(numbers) or empty:  # a data row with a gap or a typo, or a header with a gap
            odd = empty[0] if empty else numbers.index(False)
            raise CliError(f"{path} line {first} is neither a header (names only) nor a row of "
                           f"numbers: value {odd + 1} is {cells[odd]!r}; fix that row, or add "
                           "a header row of column names")
        header = [name.strip().lower() for name in cells]
        keep = [i for i, name in enumerate(header) if name not in LABEL_NAMES]
        label = next((i for i, name in enumerate(header) if name in LABEL_NAMES), None)
        rows = rows[1:]
    expected, width = math.prod(model_input.shape), len(cells)
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
    labels = None if label is None else [row[label].strip() for _, row in rows]
    if labels is not None:
        labels = np.array(labels, np.float64 if all(map(_is_number, labels)) else str)
    return values.reshape(len(values), *model_input.shape), labels
