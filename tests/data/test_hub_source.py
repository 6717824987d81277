"""The hub code path, pointed at local data: datasets.load_dataset accepts a local folder, and
failures are simulated by monkeypatching. No test here touches the network."""
import time

import numpy as np
import pytest

import simplegrad.data.sources.hub as hub
from simplegrad.data import DataError, load

datasets = pytest.importorskip("datasets")


@pytest.fixture
def hub_folder(tmp_path):
    """A folder laid out like a hub dataset repo: train/test parquet files with an image column
    (uint8 pixels stored as nested lists) and a label column."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "repo"
    folder.mkdir()
    arrays = {}
    for split, n in (("train", 10), ("test", 4)):
        images = rng.integers(0, 256, (n, 6, 6), dtype=np.uint8)
        labels = (np.arange(n) % 10).tolist()
        table = datasets.Dataset.from_dict({"image": images.tolist(), "label": labels})
        table.to_parquet(str(folder / f"{split}-00000-of-00001.parquet"))
        arrays[split] = (images, labels)
    return folder, arrays


@pytest.fixture
def counted_download(monkeypatch):
    """Wrap hub.download to count how often the hub (datasets) is really asked."""
    calls = []
    real = hub.download

    def download(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(hub, "download", download)
    return calls


def test_hub_path_decodes_images_and_labels(hub_folder, tmp_path, hf_cache):
    folder, arrays = hub_folder
    ds = load(f"hf:{folder}", "test", cache_dir=str(tmp_path / "cache"), hf_cache_dir=hf_cache)
    images, labels = arrays["test"]
    assert ds.x.dtype == np.float32 and ds.input_shape == (36,)
    np.testing.assert_allclose(ds.x, images.reshape(4, -1) / 255.0, rtol=1e-6)
    assert ds.y.tolist() == labels
    chw = hub.load_hub(str(folder), "test", flatten=False, cache_dir=str(tmp_path / "cache"),
                       hf_cache_dir=hf_cache)
    assert chw.input_shape == (1, 6, 6)


def test_second_load_hits_the_cache_and_is_fast(hub_folder, tmp_path, hf_cache, counted_download):
    folder, _ = hub_folder
    options = dict(cache_dir=str(tmp_path / "cache"), hf_cache_dir=hf_cache)
    first = load(f"hf:{folder}", **options)
    assert len(counted_download) == 1
    start = time.perf_counter()
    second = load(f"hf:{folder}", **options)
    elapsed = time.perf_counter() - start
    assert len(counted_download) == 1 and elapsed < 1.0
    np.testing.assert_array_equal(first.x, second.x)
    np.testing.assert_array_equal(first.y, second.y)
    assert second.num_classes == first.num_classes and second.name == first.name


def test_cache_key_changes_with_split_and_preprocessing(hub_folder, tmp_path, hf_cache,
                                                        counted_download):
    folder, _ = hub_folder
    cache = tmp_path / "cache"
    options = dict(cache_dir=str(cache), hf_cache_dir=hf_cache)
    plain = load(f"hf:{folder}", **options)
    normed = load(f"hf:{folder}", normalize=(0.5, 0.5), **options)
    load(f"hf:{folder}", flatten=False, **options)
    load(f"hf:{folder}", "test", **options)
    load(f"hf:{folder}", normalize=[0.5, 0.5], **options)     # same key as the tuple
    assert len(counted_download) == 4
    assert len(list(cache.rglob("*.npz"))) == 4
    np.testing.assert_allclose(normed.x, (plain.x - 0.5) / 0.5, rtol=1e-5)


def test_use_cache_false_and_a_corrupt_cache_file_rebuild(hub_folder, tmp_path, hf_cache,
                                                          counted_download):
    folder, _ = hub_folder
    cache = tmp_path / "cache"
    options = dict(cache_dir=str(cache), hf_cache_dir=hf_cache)
    load(f"hf:{folder}", **options)
    load(f"hf:{folder}", use_cache=False, **options)
    assert len(counted_download) == 2
    (npz,) = cache.rglob("*.npz")
    npz.write_bytes(b"garbage")
    assert len(load(f"hf:{folder}", **options)) == 10 and len(counted_download) == 3
    assert len(load(f"hf:{folder}", **options)) == 10 and len(counted_download) == 3


def test_simplegrad_cache_environment_variable(hub_folder, tmp_path, hf_cache, monkeypatch):
    folder, _ = hub_folder
    monkeypatch.setenv("SIMPLEGRAD_CACHE", str(tmp_path / "env-cache"))
    load(f"hf:{folder}", hf_cache_dir=hf_cache)
    assert len(list((tmp_path / "env-cache").rglob("*.npz"))) == 1


def test_image_feature_column(tmp_path, hf_cache):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    features = datasets.Features({"img": datasets.Image(),
                                  "digit": datasets.ClassLabel(names=list("abcd"))})
    table = datasets.Dataset.from_dict({"img": list(images), "digit": [3, 0, 1]}, features=features)
    folder = tmp_path / "repo"
    folder.mkdir()
    table.to_parquet(str(folder / "train-00000.parquet"))
    ds = load(f"hf:{folder}", cache_dir=str(tmp_path / "c"), hf_cache_dir=hf_cache)
    np.testing.assert_allclose(ds.x, images.reshape(3, -1) / 255.0, rtol=1e-6)
    assert ds.y.tolist() == [3, 0, 1] and ds.num_classes == 4 and ds.class_names == list("abcd")


@pytest.fixture
def hub_answers(monkeypatch):
    """The connection probe finds the hub (the tests fake what it answers); not offline."""
    monkeypatch.setattr(hub, "hub_reachable", lambda timeout=None: True)
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


def test_unreachable_hub_gives_one_line_with_the_way_out(monkeypatch, tmp_path, hub_answers):
    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'ylecun/mnist' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError) as info:
        load("ylecun/mnist", "test", cache_dir=str(tmp_path / "empty"))
    message = str(info.value)
    assert "\n" not in message
    assert "'ylecun/mnist' could not be downloaded" in message
    assert "not cached" in message and "local copy, pass its path as the source" in message


def test_unknown_hub_dataset(monkeypatch, tmp_path, hub_answers):
    def missing(*args, **kwargs):
        raise datasets.exceptions.DatasetNotFoundError("Dataset 'nobody/nothing' doesn't exist on the Hub")

    monkeypatch.setattr(datasets, "load_dataset", missing)
    with pytest.raises(DataError, match="'nobody/nothing' could not be downloaded .*DatasetNotFoundError"):
        load("nobody/nothing", cache_dir=str(tmp_path))


def _record_offline_mode(monkeypatch):
    """Fake datasets.load_dataset: records whether offline mode was on, then fails as
    huggingface_hub does when the file is not in the local cache."""
    seen = []

    def load_dataset(*args, **kwargs):
        seen.append(datasets.config.HF_HUB_OFFLINE)
        raise ConnectionError("Couldn't reach 'someone/nothing' on the Hub (OfflineModeIsEnabled)")

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return seen


def test_hub_unreachable_skips_the_retries_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(hub, "hub_reachable", lambda timeout=None: False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    seen = _record_offline_mode(monkeypatch)
    with pytest.raises(hub.HubUnavailable) as info:
        load("someone/nothing", cache_dir=str(tmp_path))
    assert seen == [True]  # only the local cache was asked: no network retries
    assert "cannot be reached" in str(info.value) and not info.value.offline
    assert datasets.config.HF_HUB_OFFLINE is False  # restored afterwards


def test_offline_mode_says_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "hub_reachable", lambda timeout=None: pytest.fail("probed"))
    _record_offline_mode(monkeypatch)
    with pytest.raises(hub.HubUnavailable) as info:
        load("someone/nothing", cache_dir=str(tmp_path))
    message = str(info.value)
    assert "offline mode is on" in message and "could not be downloaded" not in message
    assert info.value.offline


def test_connection_probe(monkeypatch):
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    assert hub.hub_reachable(timeout=2)
    server.close()
    assert not hub.hub_reachable(timeout=2)


def test_unknown_split_is_reported(hub_folder, tmp_path, hf_cache):
    folder, _ = hub_folder
    with pytest.raises(DataError, match="hub dataset .*validation"):
        load(f"hf:{folder}", "validation", cache_dir=str(tmp_path / "c"), hf_cache_dir=hf_cache)


def test_a_cached_dataset_loads_without_datasets(hub_folder, tmp_path, hf_cache, monkeypatch):
    folder, _ = hub_folder
    options = dict(cache_dir=str(tmp_path / "cache"), hf_cache_dir=hf_cache)
    load(f"hf:{folder}", **options)

    def no_network(*args, **kwargs):
        raise AssertionError("the hub was asked although the dataset is cached")

    monkeypatch.setattr(datasets, "load_dataset", no_network)
    assert len(load(f"hf:{folder}", **options)) == 10
