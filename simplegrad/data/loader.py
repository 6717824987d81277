"""DataLoader: mini-batches of Tensors from in-memory arrays, reproducible and resumable."""
import math

import numpy as np

from simplegrad import rng
from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.labels import one_hot as _one_hot
from simplegrad.tensor import Tensor


class DataLoader:
    """Iterate `(Tensor x float32, Tensor y)` mini-batches over arrays `x`, `y`.

    Vectorised: one permutation per epoch (when `shuffle`) and one slice of it per batch, so
    there is no per-sample Python loop. `seed` (an int or an `np.random.Generator`) fixes the
    batch order; with `seed=None` one is drawn from simplegrad's global generator, so
    `simplegrad.manual_seed` makes it reproducible too. Integer labels come out as int64
    class indices; `one_hot=True` gives float32 one-hot rows instead (original simplegrad).
    `state_dict()` / `load_state_dict()` save and restore the position inside an epoch.
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=False, drop_last=False, seed=None,
                 one_hot=False, num_classes=None):
        if isinstance(x, ArrayDataset):
            if isinstance(y, (int, np.integer)) and not isinstance(y, bool):
                y, batch_size = None, y     # DataLoader(dataset, 64), as in PyTorch
            if y is not None:
                raise DataError("pass either an ArrayDataset or arrays x and y, not both")
            num_classes = x.num_classes if num_classes is None else num_classes
            x, y = x.x, x.y
        if y is None:
            raise DataError("DataLoader needs labels y (or an ArrayDataset)")
        self.x, self.y = _features(x), _labels(y)
        if len(self.x) != len(self.y):
            raise DataError(f"DataLoader: {len(self.x)} feature rows but {len(self.y)} labels")
        if len(self.x) == 0:
            raise DataError("DataLoader: the dataset is empty (0 samples)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise DataError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        if len(self) == 0:
            raise DataError(f"batch_size {batch_size} is larger than the {len(self.x)} samples "
                            f"and drop_last=True, so an epoch has no batches")
        self.one_hot = bool(one_hot)
        if self.one_hot:
            if self.y.dtype.kind not in "iu":
                raise DataError("one_hot=True needs integer class labels")
            num_classes = int(self.y.max()) + 1 if num_classes is None else int(num_classes)
        self.num_classes = num_classes
        self.seed = _resolve_seed(seed) if self.shuffle else None
        self.epoch = 0        # epochs completed
        self.position = 0     # batches already handed out in the current epoch
        self._resume = False  # set by load_state_dict: continue mid-epoch instead of restarting

    def __len__(self):
        """Batches per epoch."""
        n = len(self.y)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    @property
    def num_samples(self):
        """Number of samples in one epoch (before drop_last)."""
        return len(self.y)

    def __iter__(self):
        """One epoch of batches; after load_state_dict, the rest of the saved epoch."""
        resume, self._resume = self._resume, False
        if self.position >= len(self) or (self.position > 0 and not resume):
            self._finish_epoch()                # the previous epoch ended or was abandoned
        order = self._epoch_order()
        num_batches, size = len(self), self.batch_size
        while self.position < num_batches:
            start = self.position * size
            rows = slice(start, start + size) if order is None else order[start:start + size]
            xb, yb = self.x[rows], self.y[rows]
            if self.one_hot:
                yb = _one_hot(yb, self.num_classes)
            self.position += 1                  # counted before yielding: a state_dict() taken
            yield Tensor(xb), Tensor(yb)        # now resumes at the *next* batch
        self._finish_epoch()

    def _epoch_order(self):
        """This epoch's permutation. Each epoch gets its own generator, seeded by (seed, epoch),
        so the order of any epoch can be rebuilt from two integers when resuming."""
        if not self.shuffle:
            return None
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.y))

    def _finish_epoch(self):
        self.epoch += 1
        self.position = 0

    def state_dict(self):
        """JSON-able position: epochs done, batches done in the current one, and the RNG seed."""
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed,
                "num_samples": len(self.y), "batch_size": self.batch_size,
                "shuffle": self.shuffle, "drop_last": self.drop_last}

    def load_state_dict(self, state):
        """Restore a `state_dict()`: the next iteration continues exactly where that one stopped."""
        if not isinstance(state, dict) or not {"epoch", "position", "seed"} <= state.keys():
            raise DataError("not a DataLoader state: expected a dict with keys epoch, position "
                            "and seed")
        expected = {"num_samples": len(self.y), "batch_size": self.batch_size,
                    "shuffle": self.shuffle, "drop_last": self.drop_last}
        for key, value in expected.items():
            if key in state and state[key] != value:
                raise DataError(f"loader state has {key}={state[key]!r} but this DataLoader "
                                f"has {key}={value!r}")
        epoch, position = int(state["epoch"]), int(state["position"])
        if not 0 <= position <= len(self):
            raise DataError(f"loader state position {position} is outside 0..{len(self)}")
        if self.shuffle:
            self.seed = _resolve_seed(state["seed"])
        self.epoch, self.position, self._resume = epoch, position, True

    def __repr__(self):
        return (f"DataLoader({len(self.y)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, {len(self)} batches)")


def _features(x):
    """Features as float32 (no copy when they already are)."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub" or x.ndim == 0:
        raise DataError(f"DataLoader features must be a numeric array with a sample axis, "
                        f"got dtype {x.dtype} and shape {x.shape}")
    return x.astype(np.float32, copy=False)


def _labels(y):
    """Integer labels as int64; float targets (soft labels, regression) as float32."""
    y = np.asarray(y)
    if y.ndim == 0:
        raise DataError("DataLoader labels must have a sample axis, got a scalar")
    if y.dtype.kind in "iub":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind == "f":
        return y.astype(np.float32, copy=False)
    raise DataError(f"DataLoader labels must be numbers, got dtype {y.dtype}")


def _resolve_seed(seed):
    """An int seed: as given, drawn from a given Generator, or from simplegrad's global RNG."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if seed is None:
        return _global_seed()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer or np.random.Generator, got {seed!r}")
    return int(seed)


def _global_seed():
    """A fresh seed drawn from simplegrad's global generator (so manual_seed controls it)."""
    return int(rng.generator().integers(2**63))
