import os
import subprocess
import sys

import numpy as np
import pytest

from simplegrad.data import DataError, load
from simplegrad.data.loading import source_kind


def test_import_does_not_pull_in_heavy_libraries():
    code = ("import sys, simplegrad.data, simplegrad; "
            "heavy = [m for m in ('datasets', 'pandas', 'pyarrow') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_loading_idx_or_synthetic_data_does_not_import_datasets(tmp_path, mnist_maker):
    mnist_maker(tmp_path / "m", n_train=4, n_test=2)
    np.savez(tmp_path / "d.npz", x=np.zeros((2, 2)), y=[0, 1])
    code = ("import sys; from simplegrad.data import load; "
            f"load({str(tmp_path / 'm')!r}); load({str(tmp_path / 'd.npz')!r}); "
            "load('synthetic:spirals'); print('datasets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_source_kinds(tmp_path):
    assert source_kind("synthetic:moons") == "synthetic"
    assert source_kind("ylecun/mnist") == "hub"
    assert source_kind("hf:mnist") == "hub"
    assert source_kind(str(tmp_path)) == "local"
    assert source_kind("./data.csv") == "local"
    (tmp_path / "owner").mkdir()
    os.makedirs(tmp_path / "owner" / "name")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert source_kind("owner/name") == "local"     # an existing folder wins over the hub
    finally:
        os.chdir(cwd)


def test_val_fraction_carves_validation_from_train():
    train = load("synthetic:blobs", n_samples=100, val_fraction=0.2, seed=5)
    val = load("synthetic:blobs", "val", n_samples=100, val_fraction=0.2, seed=5)
    also_val = load("synthetic:blobs", "validation", n_samples=100, val_fraction=0.2, seed=5)
    full = load("synthetic:blobs", n_samples=100, seed=5)
    assert len(train) == 80 and len(val) == 20
    np.testing.assert_array_equal(val.x, also_val.x)
    together = {tuple(r) for r in np.concatenate([train.x, val.x]).tolist()}
    assert together == {tuple(r) for r in full.x.tolist()}
    test = load("synthetic:blobs", "test", n_samples=100, val_fraction=0.2, seed=5)
    assert len(test) == 100                                # other splits are left whole


def test_val_fraction_on_a_single_file(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.arange(20.0).reshape(10, 2), y=[0, 1] * 5)
    val = load(str(tmp_path / "d.npz"), "validation", val_fraction=0.3)
    assert len(val) == 3


@pytest.mark.parametrize("source, split, options, message", [
    ("synthetic:moons", "train", {"batchsize": 3}, "unknown data option 'batchsize'"),
    ("", "train", {}, "non-empty string"),
    (None, "train", {}, "non-empty string"),
    ("synthetic:moons", "", {}, "split must be a non-empty string"),
    ("synthetic:moons", "train", {"val_fraction": 2.0}, "between 0 and 1"),
])
def test_bad_arguments(source, split, options, message):
    with pytest.raises(DataError, match=message):
        load(source, split, **options)


def test_none_options_mean_defaults():
    a = load("synthetic:moons", n_samples=20, seed=None, noise=None, val_fraction=None)
    b = load("synthetic:moons", n_samples=20)
    np.testing.assert_array_equal(a.x, b.x)


def test_options_that_do_not_apply_are_ignored():
    ds = load("synthetic:xor", n_samples=10, flatten=False, image_column="x", cache_dir="/nowhere")
    assert len(ds) == 10


def test_each_kind_of_source_is_one_spec(tmp_path):
    """`load`/`describe` go through the SourceSpec that accepts the address; options that
    need a type are checked by the library itself."""
    from simplegrad.data import SourceSpec, find_source, sources

    kinds = [spec.kind for spec in sources.SOURCES]
    assert len(set(kinds)) == len(kinds) and kinds[-1] == "local"  # local paths match last
    assert {"builtin", "synthetic", "hub"} <= set(kinds)
    assert all(isinstance(spec, SourceSpec) for spec in sources.SOURCES)
    assert find_source("hf:owner/name").network and not find_source("builtin:digits").network
    assert find_source(str(tmp_path)).files(str(tmp_path)) == [str(tmp_path)]
    assert find_source("synthetic:moons").files("synthetic:moons") == []
    with pytest.raises(DataError, match=r"data option 'label_column' must be a string, got \[1\]"):
        load(str(tmp_path), label_column=[1])
