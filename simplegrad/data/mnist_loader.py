"""The original simplegrad's MNISTLoader, rebuilt on `load` and `DataLoader`, and `load_mnist`:
MNIST from the hub, or the bundled digits when the hub cannot be reached."""
import os
import sys

from simplegrad.data.errors import DataError
from simplegrad.data.loader import DataLoader
from simplegrad.data.loading import load
from simplegrad.data.sources.hub import unreachable

DEFAULT_SOURCE = "ylecun/mnist"
FALLBACK_SOURCE = "builtin:digits"


def load_mnist(split="train", source=None, **options):
    """MNIST split `split` from `source`, else $SIMPLEGRAD_MNIST, else the hub's "ylecun/mnist".

    When no source is given and the hub cannot be used (no network, or offline mode asked for
    with HF_HUB_OFFLINE=1) and MNIST is not cached, this falls back to the bundled real digits
    (`builtin:digits`: 8,000 train / 2,000 test images) and says so, and why, in one line on
    stderr. A source that is given never falls
    back: its errors are raised.
    """
    chosen = source or os.environ.get("SIMPLEGRAD_MNIST")
    if chosen:
        return load(chosen, split, **options)
    try:
        return load(DEFAULT_SOURCE, split, **options)
    except DataError as error:
        if not unreachable(error):
            raise
    from simplegrad.data.sources.hub import offline_setting

    dataset = load(FALLBACK_SOURCE, split, **options)
    offline = offline_setting()
    why = f"offline mode is on ({offline}) and {DEFAULT_SOURCE} is not cached" if offline \
        else f"{DEFAULT_SOURCE} is not reachable on the Hugging Face hub (and not cached)"
    print(f"simplegrad: {why}; using the {len(dataset):,} bundled '{split}' digits "
          f"({FALLBACK_SOURCE}) instead", file=sys.stderr)
    return dataset


class MNISTLoader:
    """Batches of MNIST as the original simplegrad gave them: images flattened to 784 float32
    values in [0, 1] and ONE-HOT float32 labels, as `(Tensor, Tensor)` pairs.

    `source` defaults to $SIMPLEGRAD_MNIST or the hub's "ylecun/mnist", falling back to the
    bundled digits (with a one-line note) when the hub is unreachable (see `load_mnist`); pass
    a local folder of IDX files (or any other source `load` reads) to choose. Extra keyword
    options go to `load` (e.g. `normalize=(0.1307, 0.3081)`).
    """

    def __init__(self, batch_size, shuffle=False, drop_last=False, split="train", source=None,
                 seed=None, **options):
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.split = split
        self.dataset = load_mnist(split, source, flatten=True, **options)
        self.source = self.dataset.name
        self.num_samples = len(self.dataset)
        self.images_size_flattened = self.dataset.num_features
        self.num_classes = self.dataset.num_classes
        self.loader = DataLoader(self.dataset, batch_size=batch_size, shuffle=shuffle,
                                 drop_last=drop_last, seed=seed, one_hot=True)
        self._batches = None  # the epoch `next(loader)` is walking through

    def __iter__(self):
        """One epoch of batches (each `for` loop over the loader is a new epoch)."""
        return iter(self.loader)

    def __next__(self):
        """The next batch, as the original's loader (an iterator itself) gave it; after the last
        batch of an epoch, StopIteration, and the next call starts a new epoch."""
        if self._batches is None:
            self._batches = iter(self.loader)
        try:
            return next(self._batches)
        except StopIteration:
            self._batches = None
            raise

    def __len__(self):
        """Batches per epoch."""
        return len(self.loader)

    def state_dict(self):
        """The position of the underlying DataLoader (JSON-able), for resuming mid-epoch."""
        return self.loader.state_dict()

    def load_state_dict(self, state):
        """Restore a position saved by `state_dict()`."""
        self.loader.load_state_dict(state)

    def __repr__(self):
        return (f"MNISTLoader(source={self.source!r}, split={self.split!r}, "
                f"{self.num_samples} samples, batch_size={self.batch_size})")
