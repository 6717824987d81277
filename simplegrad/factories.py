"""Making tensors, under PyTorch's names: `simplegrad.tensor`, `zeros`, `arange`, `randn`, ...

Every factory takes `dtype=`, `requires_grad=` and `device=` ("cpu" only). Floats default to
float32 (PyTorch's default dtype). Random ones draw from the library's generator, so
`simplegrad.manual_seed` makes them reproducible.
"""
import numpy as np

from simplegrad import devices as _device
from simplegrad import dtypes, rng
from simplegrad.composed import sizes
from simplegrad.tensor import Tensor

_FLOAT = dtypes.float32


def _make(array, dtype=None, requires_grad=False, device=None):
    """A leaf Tensor holding `array` (cast to dtype), checked for the device."""
    _device.check(device)
    array = np.asarray(array) if dtype is None else np.asarray(array, dtype=dtypes.resolve(dtype))
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)


def _inferred(data):
    """PyTorch's dtype for Python data: floats float32, integers int64, booleans bool; arrays
    keep their own dtype."""
    if isinstance(data, Tensor):
        return data.data.copy()
    array = np.array(data)
    if isinstance(data, (np.ndarray, np.generic)):
        return array
    return array.astype({"f": _FLOAT, "i": dtypes.int64}.get(array.dtype.kind, array.dtype))


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor from data (copied), with PyTorch's dtypes: [1, 2] is int64, [1.0] float32,
    [True] bool; a NumPy array keeps its dtype."""
    return _make(_inferred(data), dtype, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares an ndarray's memory when no cast is needed."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype, device)


def from_numpy(array):
    """A tensor sharing `array`'s memory and dtype (writes to either show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return Tensor(array, dtype=array.dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _make(np.zeros(sizes(size), dtypes.resolve(dtype, _FLOAT)), None, requires_grad,
                 device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones."""
    return _make(np.ones(sizes(size), dtypes.resolve(dtype, _FLOAT)), None, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor whose values are not set (zeros here: NumPy's empty memory would be random)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with fill_value (its dtype follows the value: int64, float32, bool)."""
    return _make(np.full(sizes((size,)), fill_value, dtypes.resolve(dtype,
                                                                    _inferred(fill_value).dtype)),
                 None, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start up to (not including) end by step: int64 when all are integers,
    else float32."""
    if end is None:
        start, end = 0, start
    integers = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    kind = dtypes.resolve(dtype, dtypes.int64 if integers else _FLOAT)
    return _make(np.arange(start, end, step, dtype=np.float64 if not integers else None)
                 .astype(kind), None, requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    return _make(np.linspace(start, end, steps).astype(dtypes.resolve(dtype, _FLOAT)), None,
                 requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m defaults to n)."""
    return _make(np.eye(n, m, dtype=dtypes.resolve(dtype, _FLOAT)), None, requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples from [0, 1)."""
    kind = dtypes.resolve(dtype, _FLOAT)
    return _make(rng.generator().random(sizes(size), dtype=_drawn(kind)).astype(kind), None,
                 requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    kind = dtypes.resolve(dtype, _FLOAT)
    return _make(rng.generator().standard_normal(sizes(size), dtype=_drawn(kind)).astype(kind),
                 None, requires_grad, device)


def _drawn(kind):
    """The dtype NumPy draws in for a float dtype (it draws float32 or float64 only)."""
    return np.float64 if kind == np.float64 else np.float32


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform in [low, high) (randint(high, size) starts at 0), int64 by default."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None:
        raise TypeError("randint: give the size: randint(high, size) or randint(low, high, "
                        "size)")
    values = rng.generator().integers(low, high, sizes((size,)))
    return _make(values, dtypes.resolve(dtype, dtypes.int64), requires_grad, device)


def randperm(n, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n - 1 (int64)."""
    return _make(rng.generator().permutation(n), dtypes.resolve(dtype, dtypes.int64),
                 requires_grad, device)


def multinomial(input, num_samples, replacement=False):  # noqa: A002  (PyTorch's name)
    """Draw num_samples category indices per row from the non-negative weights in each row of
    input (1-D or 2-D); without replacement, each category at most once (int64)."""
    weights = np.asarray(getattr(input, "data", input), dtype=np.float64)
    rows = np.atleast_2d(weights)
    if weights.ndim not in (1, 2) or np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise ValueError("multinomial: expected a 1-D or 2-D tensor of finite non-negative "
                         "weights")
    drawn = []
    for row in rows:
        total, available = row.sum(), np.count_nonzero(row)
        if total <= 0 or (not replacement and num_samples > available):
            raise ValueError(f"multinomial: cannot draw {num_samples} samples "
                             f"{'with' if replacement else 'without'} replacement from "
                             f"{available} categories of nonzero weight")
        drawn.append(rng.generator().choice(len(row), num_samples, replace=replacement,
                                            p=row / total))
    out = np.array(drawn, dtype=np.int64).reshape(len(rows), num_samples)
    return Tensor(out[0] if weights.ndim == 1 else out, dtype=np.int64)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    """Zeros of x's shape and dtype."""
    return zeros(*x.shape, dtype=dtype or x.dtype, device=device, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    """Ones of x's shape and dtype."""
    return ones(*x.shape, dtype=dtype or x.dtype, device=device, requires_grad=requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False):
    """An unset tensor (zeros) of x's shape and dtype."""
    return zeros_like(x, dtype, device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    """fill_value in x's shape and dtype."""
    return full(x.shape, fill_value, dtype or x.dtype, device, requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples of x's shape and dtype."""
    return rand(*x.shape, dtype=dtype or x.dtype, device=device, requires_grad=requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False):
    """Standard normal samples of x's shape and dtype."""
    return randn(*x.shape, dtype=dtype or x.dtype, device=device, requires_grad=requires_grad)
