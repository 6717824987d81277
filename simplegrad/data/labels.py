"""Label helpers: turn a label column into int64 class indices, and indices into one-hot rows."""
import numpy as np

from simplegrad.data.errors import DataError


def one_hot(labels, num_classes):
    """Float32 one-hot rows for integer `labels`, for code written against the original simplegrad.

    Shape is `labels.shape + (num_classes,)`; one vectorised write, no Python loop, and no
    num_classes x num_classes identity (a million classes would need 4 TB for it).
    """
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise DataError(f"one_hot needs integer class indices, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"label {_first_bad(labels, num_classes)} is out of range for "
                        f"{num_classes} classes (expected 0..{num_classes - 1})")
    rows = np.zeros(labels.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(rows, labels[..., None], 1.0, axis=-1)
    return rows


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
    if kind == "O":
        values = _unbox(values, where)
        kind = values.dtype.kind
    if kind == "u" and values.size and values.max() > np.iinfo(np.int64).max:
        raise DataError(f"{where}: label {values.max()} is out of range: too large for a class "
                        "index")
    if kind in "iub":
        return _non_negative(values.astype(np.int64, copy=False), where), None
    if kind == "f":
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**62)
        if not whole.all():
            bad = values[~whole][0]
            raise DataError(f"{where}: labels must be whole class indices, found {bad.item()!r}")
        return _non_negative(values.astype(np.int64), where), None
    if kind == "U":
        names, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64).reshape(-1), [str(n) for n in names]
    raise DataError(f"{where}: labels must be integers or strings, got dtype {values.dtype}")


def _unbox(values, where):
    """An object array of labels as a plain int/float/str array: 0-d arrays and NumPy
    scalars unwrapped; a mix of numbers and strings is refused, naming one of each."""
    items = [v.item() if isinstance(v, (np.ndarray, np.generic)) and np.ndim(v) == 0 else v
             for v in values]
    text = next((v for v in items if isinstance(v, str)), None)
    other = next((v for v in items if not isinstance(v, str)), None)
    if text is not None and other is not None:
        raise DataError(f"{where}: labels mix strings and {type(other).__name__} values (e.g. "
                        f"{text[:40]!r} and {str(other)[:40]}); use one kind for every sample")
    if other is not None and not isinstance(other, (int, float)):
        raise DataError(f"{where}: labels must be integers or strings, found "
                        f"{type(other).__name__}")
    array = np.array(items, dtype=str if text is not None else None)
    if array.dtype.kind not in "iubfU":
        raise DataError(f"{where}: labels must be integers or strings, got dtype {array.dtype}")
    return array


def _non_negative(labels, where):
    """`labels`, after checking that none is below 0 (a class index counts from 0)."""
    if labels.size and labels.min() < 0:
        index = int(np.argmin(labels))
        raise DataError(f"{where}: label {labels[index]} is out of range: labels are class "
                        f"indices counted from 0 (first seen at sample {index})")
    return labels


def _first_bad(labels, num_classes):
    """The first label outside [0, num_classes), for error messages."""
    bad = labels[(labels < 0) | (labels >= num_classes)]
    return int(bad.reshape(-1)[0])
