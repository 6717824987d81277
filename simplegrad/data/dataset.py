"""ArrayDataset: features and labels held in memory as NumPy arrays, checked once on creation."""
import numpy as np

from simplegrad.data.errors import DataError
from simplegrad.data.labels import encode_labels


class ArrayDataset:
    """Features `x` (float32, shape (N, ...)) and labels `y` (int64 in [0, num_classes)).

    Every source returns one of these. The checks (shapes, NaN/inf, label range, emptiness)
    run here once, so the training loop never meets bad data. `num_classes=None` infers it
    from the labels (or from `class_names`). `name` is only used in messages and reprs.
    """

    def __init__(self, x, y, num_classes=None, name="", class_names=None):
        where = f"dataset {name!r}" if name else "dataset"
        x = _as_features(x, where)
        y, string_names = encode_labels(_as_array(y, where, "labels"), where)
        class_names = class_names if class_names is not None else string_names
        if len(x) != len(y):
            raise DataError(f"{where}: {len(x)} feature rows but {len(y)} labels")
        if len(x) == 0:
            raise DataError(f"{where} is empty (0 samples)")
        _check_finite(x, where)
        num_classes = _resolve_num_classes(num_classes, y, class_names, where)
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise DataError(f"{where}: label {bad} is out of range for {num_classes} classes "
                            f"(expected 0..{num_classes - 1})")
        self._set(x, y, num_classes, name, class_names)

    @classmethod
    def _trusted(cls, x, y, num_classes, name="", class_names=None):
        """Build from arrays already known to be valid (a subset of a checked dataset)."""
        dataset = object.__new__(cls)
        dataset._set(x, y, num_classes, name, class_names)
        return dataset

    def _set(self, x, y, num_classes, name, class_names):
        self.x, self.y, self.num_classes, self.name = x, y, int(num_classes), name
        self.class_names = list(class_names) if class_names is not None else None

    def __len__(self):
        return len(self.y)

    def __getitem__(self, index):
        """`(x[index], y[index])` as arrays, like indexing a PyTorch dataset."""
        return self.x[index], self.y[index]

    @property
    def input_shape(self):
        """Shape of one sample's features, e.g. (784,) or (1, 28, 28)."""
        return tuple(self.x.shape[1:])

    @property
    def num_features(self):
        """Number of feature values per sample (the product of `input_shape`)."""
        return int(np.prod(self.input_shape, dtype=np.int64))

    def subset(self, indices):
        """A new ArrayDataset with the samples at `indices` (int array or boolean mask)."""
        indices = np.asarray(indices)
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if indices.dtype.kind not in "iub":
            raise DataError(f"subset indices must be integers or a boolean mask, "
                            f"got dtype {indices.dtype}")
        try:
            x, y = self.x[indices], self.y[indices]
        except IndexError as error:
            raise DataError(f"subset of {self._label()}: {error}") from None
        if len(y) == 0:
            raise DataError(f"subset of {self._label()} is empty (0 samples)")
        return ArrayDataset._trusted(x, y, self.num_classes, self.name, self.class_names)

    def split(self, fraction, seed=0):
        """Carve a validation set from this one: returns `(train, val)`, `val` ~ `fraction` of it.

        The samples are drawn with `np.random.default_rng(seed)`, so the same seed always gives
        the same split; both parts keep the original sample order.
        """
        fraction = float(fraction)
        if not 0.0 < fraction < 1.0:
            raise DataError(f"validation fraction must be between 0 and 1 (exclusive), "
                            f"got {fraction}")
        n = len(self)
        n_val = int(round(n * fraction))
        if n_val < 1 or n_val > n - 1:
            raise DataError(f"validation fraction {fraction} of {n} samples leaves an empty "
                            f"{'validation' if n_val < 1 else 'training'} split")
        order = np.random.default_rng(seed).permutation(n)
        return self.subset(np.sort(order[n_val:])), self.subset(np.sort(order[:n_val]))

    def _label(self):
        return f"dataset {self.name!r}" if self.name else "dataset"

    def __repr__(self):
        name = f"{self.name!r}, " if self.name else ""
        return (f"ArrayDataset({name}{len(self)} samples, input_shape={self.input_shape}, "
                f"num_classes={self.num_classes})")


def _as_array(values, where, what):
    """np.asarray that reports ragged (inconsistently shaped) input as a DataError."""
    if isinstance(values, np.ndarray):
        array = values
    else:
        try:
            array = np.asarray(values)
        except ValueError as error:
            raise DataError(f"{where}: {what} have inconsistent shapes ({error})") from None
    if array.dtype == object and array.ndim >= 1 and len(array) and \
            isinstance(array.flat[0], (np.ndarray, list, tuple)) and np.ndim(array.flat[0]):
        shapes = sorted({np.shape(item) for item in array.reshape(-1)}, key=str)
        raise DataError(f"{where}: {what} have inconsistent shapes, e.g. "
                        f"{', '.join(str(s) for s in shapes[:3])}")
    return array


def _as_features(x, where):
    """Features as a float32 array of shape (N, ...), copied only when the dtype differs."""
    x = _as_array(x, where, "features")
    if x.dtype.kind not in "fiub":
        raise DataError(f"{where}: features must be numbers, got dtype {x.dtype}")
    if x.ndim == 0:
        raise DataError(f"{where}: features must have a sample axis, got a scalar")
    return x.astype(np.float32, copy=False)


def _check_finite(x, where):
    """Raise if x holds NaN or inf. min/max propagate both, so this needs no big temporary."""
    if np.isfinite(x.min()) and np.isfinite(x.max()):
        return
    row = int(np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0, 0])
    raise DataError(f"{where}: features contain NaN or inf (first in sample {row})")


def _resolve_num_classes(num_classes, y, class_names, where):
    """The given class count, else len(class_names), else max label + 1."""
    if num_classes is None:
        return len(class_names) if class_names is not None else int(y.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise DataError(f"{where}: num_classes must be a positive integer, got {num_classes!r}")
    return int(num_classes)
