"""simplegrad.data: datasets as NumPy arrays, and mini-batches of Tensors from them.

- `load(source, split, **options)` reads `synthetic:NAME`, `builtin:digits` (real MNIST
  digits shipped in the package), a Hugging Face hub id or a local path into an
  `ArrayDataset` (float32 features, int64 labels, checked once); `describe` gives its
  per-sample shape and classes without reading the data, where that is possible. Each kind
  of source is one `SourceSpec` (`simplegrad.data.sources`).
- `DataLoader` batches arrays into `(Tensor, Tensor)` pairs: vectorised, seeded, resumable.
- `MNISTLoader` keeps the original simplegrad's one-hot MNIST batches working; it and
  `load_mnist` fall back to `builtin:digits` (saying so) when the hub is unreachable.

Importing this package imports NumPy only; `datasets` (and pandas/pyarrow through it) is
imported inside the functions that read hub or table data.
"""
from simplegrad.data.dataset import ArrayDataset
from simplegrad.data.errors import DataError
from simplegrad.data.labels import one_hot
from simplegrad.data.loader import DataLoader
from simplegrad.data.mnist_loader import MNISTLoader, load_mnist
from simplegrad.data.loading import describe, find_source, load
from simplegrad.data.source import SourceOption, SourceSpec
from simplegrad.data.sources.idx import load_idx, read_idx
from simplegrad.data.synthetic import blobs, circles, moons, spirals, xor

__all__ = ["ArrayDataset", "DataError", "DataLoader", "MNISTLoader", "SourceOption",
           "SourceSpec", "describe", "find_source", "load",
           "load_mnist", "one_hot", "read_idx", "load_idx", "spirals", "moons", "circles",
           "blobs", "xor"]
