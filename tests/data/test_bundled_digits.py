"""`builtin:digits`: the MNIST test set shipped in the package, cut into fixed train/test splits,
and the hub-unreachable fallback of `load_mnist` / `MNISTLoader`."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from simplegrad.data import DataError, MNISTLoader, load, load_mnist, read_idx
from simplegrad.data.sources.bundled import FOLDER, digits_split

# md5 of the official t10k files (see docs/data.md): the bundled copies are unmodified
OFFICIAL_MD5 = {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
# sha256 of the 2,000 test indices (int64, little-endian): the split must never move
TEST_INDICES_SHA256 = "5df0e6d372b505d7cc71df99edcfd99e8eeb8711cdcecf5b44348aa004372753"


def labels():
    return read_idx(Path(FOLDER) / "t10k-labels-idx1-ubyte.gz")


def test_bundled_files_are_the_unmodified_official_ones():
    for name, md5 in OFFICIAL_MD5.items():
        assert hashlib.md5((Path(FOLDER) / name).read_bytes()).hexdigest() == md5, name


def test_split_is_8000_2000_disjoint_and_covers_every_image():
    train, test = digits_split(labels())
    assert len(train) == 8000 and len(test) == 2000
    assert not np.intersect1d(train, test).size
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(10000))


def test_split_is_class_stratified():
    y = labels()
    train, test = digits_split(y)
    per_class = np.bincount(y, minlength=10)
    in_test = np.bincount(y[test], minlength=10)
    assert np.all(np.abs(in_test - per_class / 5) <= 1), (in_test, per_class / 5)
    np.testing.assert_array_equal(np.bincount(y[train], minlength=10), per_class - in_test)


def test_split_is_pinned():
    _, test = digits_split(labels())
    digest = hashlib.sha256(np.asarray(test, dtype="<i8").tobytes()).hexdigest()
    assert digest == TEST_INDICES_SHA256


def test_load_builtin_digits_gives_real_images_in_both_layouts():
    train = load("builtin:digits", "train")
    test = load("builtin:digits", "test", flatten=False)
    assert (len(train), len(test)) == (8000, 2000)
    assert train.input_shape == (784,) and test.input_shape == (1, 28, 28)
    assert train.x.dtype == np.float32 and train.x.min() == 0.0 and train.x.max() == 1.0
    assert train.num_classes == test.num_classes == 10 and train.name == "builtin:digits"
    _, test_indices = digits_split(labels())
    np.testing.assert_array_equal(test.y, labels()[test_indices])


def test_validation_is_carved_from_train_only():
    train = load("builtin:digits", "train", val_fraction=0.1)
    val = load("builtin:digits", "val", val_fraction=0.1)
    assert (len(train), len(val)) == (7200, 800)


@pytest.mark.parametrize("source,split,message", [
    ("builtin:mnist", "train", "unknown built-in dataset 'mnist'; available: builtin:digits"),
    ("builtin:digits", "validation", "pass val_fraction"),
    ("builtin:digits", "t10k", "splits 'train' (8,000 images) and 'test'"),
])
def test_bad_name_or_split_is_one_clear_data_error(source, split, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(source, split)


# ---- falling back to the bundled digits when the hub is unreachable ---------------------

@pytest.fixture(params=["offline mode", "download fails"])
def offline_hub(request, monkeypatch, tmp_path):
    """The hub cannot be used and nothing is cached: HF_HUB_OFFLINE=1, or the hub seems
    reachable but the download fails (no network is touched either way)."""
    datasets = pytest.importorskip("datasets")

    def unreachable(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'ylecun/mnist' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", unreachable)
    if request.param == "offline mode":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
        monkeypatch.setattr("simplegrad.data.sources.hub.hub_reachable",
                            lambda timeout=None: True)
    monkeypatch.setenv("SIMPLEGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SIMPLEGRAD_MNIST", raising=False)
    return request.param


def test_mnist_loader_falls_back_to_the_bundled_digits_and_says_so(offline_hub, capsys):
    loader = MNISTLoader(batch_size=500, split="test")
    note = capsys.readouterr().err.strip()
    assert loader.source == "builtin:digits" and loader.num_samples == 2000
    assert loader.images_size_flattened == 784 and loader.num_classes == 10
    assert len(note.splitlines()) == 1
    assert "2,000 bundled 'test' digits" in note and "builtin:digits" in note
    if offline_hub == "offline mode":  # the user asked for it: nothing is unreachable
        assert "offline mode is on (HF_HUB_OFFLINE=1)" in note and "reachable" not in note
    else:
        assert "not reachable on the Hugging Face hub" in note
    images, one_hot = next(iter(loader))
    assert images.shape == (500, 784) and one_hot.shape == (500, 10)


def test_a_given_source_never_falls_back(offline_hub, capsys):
    with pytest.raises(DataError, match="not in the local cache|could not be downloaded"):
        load_mnist("train", source="ylecun/mnist")
    assert "bundled" not in capsys.readouterr().err


def test_other_data_errors_are_not_hidden_by_the_fallback(monkeypatch, capsys):
    def bad_split(*args, **kwargs):
        raise DataError("hub dataset 'ylecun/mnist': Unknown split \"tset\"")

    monkeypatch.setattr("simplegrad.data.sources.hub.load_hub", bad_split)
    monkeypatch.delenv("SIMPLEGRAD_MNIST", raising=False)
    with pytest.raises(DataError, match="Unknown split"):
        load_mnist("tset")
    assert capsys.readouterr().err == ""


def test_an_installation_without_the_files_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr("simplegrad.data.sources.bundled.FOLDER", str(tmp_path))
    with pytest.raises(DataError, match="installation of simplegrad is incomplete"):
        load("builtin:digits")
