"""`simplegrad.data.describe`: a source's per-sample shape and classes without reading or
downloading its data, or None when only loading can tell."""
import numpy as np
import pytest

from simplegrad import data
from simplegrad.data import DataError
from simplegrad.data.sources import hub
from simplegrad.data.sources.cache import cache_path, write_cache


def test_builtin_and_synthetic_sources_are_described_as_load_gives_them():
    for source, options in [("builtin:digits", {"flatten": False}), ("builtin:digits", {}),
                            ("synthetic:blobs", {"n_features": 5, "num_classes": 4}),
                            ("synthetic:spirals", {})]:
        loaded = data.load(source, **options)
        assert data.describe(source, **options) == (loaded.input_shape, loaded.num_classes)
    with pytest.raises(DataError, match="not 'valid'"):
        data.describe("builtin:digits", "valid")
    with pytest.raises(DataError, match="unknown data option 'colour'"):
        data.describe("synthetic:moons", colour=1)


def test_a_hub_source_is_described_from_the_cache_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "download", lambda *a, **k: pytest.fail("downloaded"))
    options = {"cache_dir": str(tmp_path), "flatten": False}
    assert data.describe("someone/digits", **options) is None  # not cached: unknown
    path = cache_path("someone/digits", "train", hub._cache_options(
        None, None, None, None, None, False, None, None), str(tmp_path))
    write_cache(path, data.ArrayDataset(np.zeros((5, 1, 8, 8), np.float32), np.arange(5) % 4,
                                        num_classes=4))
    assert data.describe("someone/digits", **options) == ((1, 8, 8), 4)
    assert data.describe("someone/digits", "test", **options) is None  # another split
    np.savez(tmp_path / "points.npz", x=np.zeros((4, 2)), y=np.arange(4) % 2)
    assert data.describe(str(tmp_path / "points.npz")) is None  # a local file: only loading
