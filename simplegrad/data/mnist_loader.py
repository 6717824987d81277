"""The original simplegrad's MNISTLoader, rebuilt on `load` and `DataLoader`."""
import os

from simplegrad.data.loader import DataLoader
from simplegrad.data.sources import load

DEFAULT_SOURCE = "ylecun/mnist"


class MNISTLoader:
    """Batches of MNIST as the original simplegrad gave them: images flattened to 784 float32
    values in [0, 1] and ONE-HOT float32 labels, as `(Tensor, Tensor)` pairs.

    `source` defaults to $SIMPLEGRAD_MNIST or the hub's "ylecun/mnist"; pass a local folder of
    IDX files (or any other source `load` reads) to work offline. Extra keyword options go
    to `load` (e.g. `normalize=(0.1307, 0.3081)`).
    """

    def __init__(self, batch_size, shuffle=False, drop_last=False, split="train", source=None,
                 seed=None, **options):
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.split = split
        self.source = source or os.environ.get("SIMPLEGRAD_MNIST") or DEFAULT_SOURCE
        self.dataset = load(self.source, split, flatten=True, **options)
        self.num_samples = len(self.dataset)
        self.images_size_flattened = self.dataset.num_features
        self.num_classes = self.dataset.num_classes
        self.loader = DataLoader(self.dataset, batch_size=batch_size, shuffle=shuffle,
                                 drop_last=drop_last, seed=seed, one_hot=True)

    def __iter__(self):
        return iter(self.loader)

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
