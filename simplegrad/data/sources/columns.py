"""Turn a Hugging Face `datasets.Dataset` (hub or local files) into an ArrayDataset.

Used by hub.py and local.py. The `datasets` objects are only inspected through their public
`features` / `column_names` / `with_format("numpy")` interface; no import of datasets here.
"""
import numpy as np

from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.source import NUM_CLASSES, SourceOption
from simplegrad.data.sources.images import FEATURE_OPTIONS, images_to_features, \
    normalize_features, read_image

LABEL_NAMES = ("label", "labels", "target", "targets", "y", "class")
IMAGE_NAMES = ("image", "img", "images", "pixel_values")


def _name(value):
    return isinstance(value, str) and value.strip() != ""


NAME = ("a string", _name)  # a list where a name belongs reached `datasets` as "unhashable type"
# the options of the sources that read tables (hub datasets, local table and image files)
COLUMN_OPTIONS = {
    "image_column": SourceOption("the image column (default: the first `Image` column, else `image`/"
                           "`img`/...)", *NAME),
    "label_column": SourceOption("the label column (default: `label`, `labels`, `target`, ... or the "
                           "one `ClassLabel` column)", *NAME),
    "feature_columns": SourceOption("use these numeric columns as features instead of an image column",
                              "a column name or a list of them", lambda v: _name(v) or (
                                  isinstance(v, list) and bool(v) and all(map(_name, v)))),
    **FEATURE_OPTIONS,
    "num_classes": NUM_CLASSES,
    "hf_cache_dir": SourceOption("`datasets`' own cache folder (default: its usual "
                           "`~/.cache/huggingface`)", *NAME),
}
DECODE_BATCH = 2048   # images decoded per step: bounds the memory of PIL's intermediate arrays


def to_array_dataset(table, name, image_column=None, label_column=None, feature_columns=None,
                     flatten=True, normalize=None, num_classes=None):
    """Features and labels from `table`: an image column, else the numeric feature columns.

    Images are decoded to float32 in [0, 1], flattened or (C, H, W). With no image column,
    every numeric column except the label is a feature (or exactly `feature_columns`).
    """
    label = _label_column(table, label_column, name)
    image = None if feature_columns else _image_column(table, image_column, name)
    if image is not None:
        pictures = type(table.features[image]).__name__ == "Image"  # else arrays, any layout
        x = images_to_features(_decode_images(table, image, name), flatten, normalize,
                               where=f"{name} column {image!r}",
                               channels_last=True if pictures else None)
    else:
        x = _table_features(table, label, feature_columns, name)
        x = normalize_features(x, normalize, channel_axis=1, where=name)
    y = np.asarray(table.with_format("numpy", columns=[label])[:][label])
    class_names = getattr(table.features[label], "names", None)
    return ArrayDataset(x, y, num_classes, name=name, class_names=class_names)


def _label_column(table, wanted, name):
    """The label column: `wanted`, a conventional name, or the one ClassLabel column."""
    columns = table.column_names
    if wanted is not None:
        return _present(columns, [wanted], "label", name)[0]
    for candidate in LABEL_NAMES:
        if candidate in columns:
            return candidate
    class_labels = [c for c in columns if type(table.features[c]).__name__ == "ClassLabel"]
    if len(class_labels) == 1:
        return class_labels[0]
    raise DataError(f"{name}: no label column found (columns found: {', '.join(columns)}); "
                    f"pass label_column=NAME")


def _present(columns, wanted, what, name):
    """`wanted` (a list of column names), if the table has every one of them."""
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise DataError(f"{name}: no {what} column {missing[0]!r} (columns found: "
                        f"{', '.join(columns)})")
    return wanted


def _image_column(table, wanted, name):
    """The image column: `wanted`, the first column of Image type, or a conventional name."""
    columns = table.column_names
    if wanted is not None:
        return _present(columns, [wanted], "image", name)[0]
    typed = [c for c in columns if type(table.features[c]).__name__ == "Image"]
    if typed:
        return typed[0]
    return next((c for c in IMAGE_NAMES if c in columns), None)


def _decode_images(table, column, name):
    """All images of `column` as one (N, H, W[, C]) array: files through `read_image` (as
    `predict` reads them), columns of arrays a batch at a time."""
    feature = table.features[column]
    if type(feature).__name__ == "Image":
        return _read_image_column(table, column, feature, name)
    numpy_view = table.with_format("numpy", columns=[column])
    parts = []
    for start in range(0, len(table), DECODE_BATCH):
        batch = numpy_view[start:start + DECODE_BATCH][column]
        if batch.dtype == object:
            shapes = sorted({np.shape(item) for item in batch}, key=str)
            raise DataError(f"{name}: images in column {column!r} have different shapes or "
                            f"modes, e.g. {', '.join(str(s) for s in shapes[:3])}")
        if parts and batch.shape[1:] != parts[0].shape[1:]:
            raise DataError(f"{name}: images in column {column!r} have different shapes, e.g. "
                            f"{parts[0].shape[1:]} and {batch.shape[1:]}")
        parts.append(batch)
    if not parts:
        raise DataError(f"{name} is empty (0 rows)")
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _read_image_column(table, column, feature, name):
    """The pictures of an Image column, each file (or its stored bytes) decoded by
    `read_image` into one preallocated (N, H, W[, C]) array."""
    files = table.select_columns([column]).cast_column(
        column, type(feature)(mode=feature.mode, decode=False))
    images = None
    for start in range(0, len(files), DECODE_BATCH):
        for index, item in enumerate(files[start:start + DECODE_BATCH][column], start):
            where = item.get("path") or f"row {index}"
            try:
                pixels = read_image(item["bytes"] if item.get("bytes") is not None
                                    else item["path"], feature.mode)
            except ImportError as error:
                raise DataError(f"{name}: decoding the images in column {column!r} needs "
                                f"Pillow (pip install pillow): {error}") from None
            except DataError as error:
                raise DataError(f"{name}: an image in column {column!r} cannot be decoded "
                                f"({where}: {error}); remove or replace that file") from None
            if images is None:
                images = np.empty((len(files), *pixels.shape), pixels.dtype)
            elif pixels.shape != images.shape[1:] or pixels.dtype != images.dtype:
                raise DataError(f"{name}: images in column {column!r} have different shapes or "
                                f"modes, e.g. {images.shape[1:]} {images.dtype} and "
                                f"{pixels.shape} {pixels.dtype} ({where})")
            images[index] = pixels
    if images is None:
        raise DataError(f"{name} is empty (0 rows)")
    return images


def _table_features(table, label, wanted, name):
    """Numeric columns (scalars or fixed-length vectors) side by side as (N, F) float32."""
    columns = table.column_names
    if wanted is not None:
        wanted = _present(columns, [wanted] if isinstance(wanted, str) else list(wanted),
                          "feature", name)
    chosen = wanted if wanted is not None else [c for c in columns if c != label]
    data = table.with_format("numpy", columns=chosen)[:] if chosen else {}
    arrays = []
    for column in chosen:
        array = np.asarray(data[column])
        if array.dtype == object and len(array) and isinstance(array[0], np.ndarray):
            kinds = sorted({type(item).__name__ for item in array if
                            not isinstance(item, np.ndarray)})
            if kinds:
                raise DataError(f"{name}: column {column!r} mixes arrays with {kinds[0]} "
                                f"values; every row must hold the same kind of value")
            shapes = sorted({item.shape for item in array}, key=str)
            raise DataError(f"{name}: column {column!r} holds arrays of different shapes, e.g. "
                            f"{', '.join(str(s) for s in shapes[:3])}")
        if array.dtype.kind not in "fiub":
            if wanted is not None:
                raise DataError(f"{name}: feature column {column!r} is not numeric "
                                f"(dtype {array.dtype})")
            continue                      # auto mode skips text columns such as ids or names
        arrays.append(array)
    if not arrays:
        raise DataError(f"{name}: no numeric feature columns (columns found: {', '.join(columns)}; "
                        f"label column {label!r})")
    if len(arrays) == 1 and arrays[0].ndim > 1:
        return arrays[0].astype(np.float32)    # one vector/array column: keep its shape
    return np.concatenate([a.reshape(len(a), -1).astype(np.float32) for a in arrays],
                          axis=1)
