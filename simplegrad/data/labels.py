"""Label helpers: turn a label column into int64 class indices, and indices into one-hot rows."""
import numpy as np

from simplegrad.data.errors import DataError


def one_hot(labels, num_classes):
    """Float32 one-hot rows for integer `labels`, for code written against the original simplegrad.

    Shape is `labels.shape + (num_classes,)`; built with one vectorised gather, no Python loop.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise DataError(f"one_hot needs integer class indices, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"label {_first_bad(labels, num_classes)} is out of range for "
                        f"{num_classes} classes (expected 0..{num_classes - 1})")
    return np.eye(num_classes, dtype=np.float32)[labels]


def encode_labels(values, where="labels"):
    """`(int64 labels, class_names or None)` from integer, whole-float, bool or string values.

    Strings become indices into their sorted unique values (returned as class names) so a CSV
    with `label = "cat"/"dog"` works; anything else that is not a whole number is a DataError.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise DataError(f"{where}: labels must be one class index per sample (1-D), "
                        f"got shape {values.shape}")
    kind = values.dtype.kind
    if kind in "iub":
        return values.astype(np.int64, copy=False), None
    if kind == "f":
        whole = np.isfinite(values) & (values == np.round(values))
        if not whole.all():
            bad = values[~whole][0]
            raise DataError(f"{where}: labels must be whole class indices, found {bad.item()!r}")
        return values.astype(np.int64), None
    if kind in "UO":
        if kind == "O" and not all(isinstance(v, str) for v in values):
            raise DataError(f"{where}: labels must be integers or strings, found "
                            f"{type(next(v for v in values if not isinstance(v, str))).__name__}")
        names, codes = np.unique(values.astype(str), return_inverse=True)
        return codes.astype(np.int64).reshape(-1), [str(n) for n in names]
    raise DataError(f"{where}: labels must be integers or strings, got dtype {values.dtype}")


def _first_bad(labels, num_classes):
    """The first label outside [0, num_classes), for error messages."""
    bad = labels[(labels < 0) | (labels >= num_classes)]
    return int(bad.reshape(-1)[0])
