"""`simplegrad validate` never reads or downloads the data: the input shape comes from
data.input_shape, from the source where that needs no reading (a cached hub dataset), or is
shown as unknown; --load-data reads the data as train does."""
import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import one_line

ROOT = Path(__file__).resolve().parents[3]
MNIST_CNN = (ROOT / "configs" / "mnist_cnn.yaml").read_text()


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """Reading or downloading any data fails the test; an empty dataset cache."""
    import simplegrad.data
    from simplegrad.data.sources import hub

    monkeypatch.setenv("SIMPLEGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hub, "download", lambda *a, **k: pytest.fail("downloaded the data"))
    monkeypatch.setattr(simplegrad.data, "load", lambda *a, **k: pytest.fail("read the data"))


def test_a_hub_config_validates_offline_with_shapes_unknown(cli, write_config, no_data):
    result = cli("validate", write_config(MNIST_CNN, "cnn.yaml"), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["data"] == {"source": "ylecun/mnist", "input_shape": None, "num_classes": None,
                              "shape_from": None, "train_samples": None, "val_samples": None}
    first, *_, last = report["layers"]
    assert first["arguments"]["in"] is None and first["output_shape"] is None
    assert last["parameters"] is None and report["parameters"] is None
    assert report["training_memory_bytes"] is None
    text = cli("validate", "cnn.yaml").stdout
    assert "input shape unknown without reading the data (set data.input_shape, or use " \
           "--load-data)" in " ".join(text.split())
    assert "in=?, out=8" in text and "training memory: unknown" in text


def test_data_input_shape_gives_every_shape(cli, write_config, no_data):
    config = write_config(MNIST_CNN, "cnn.yaml")
    result = cli("validate", config, "--set", "data.input_shape=[1, 28, 28]", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["data"]["shape_from"] == "data.input_shape"
    assert [layer["output_shape"] for layer in report["layers"]][-2:] == [[784], [10]]
    assert report["parameters"] == 80 + 1168 + 7850
    result = cli("validate", config, "--set", "data.input_shape=[784]")  # flattened pixels
    assert result.exit_code == 2
    assert one_line(result).startswith("cnn.yaml:13: model.0.conv2d: expects per-sample input of "
                                       "shape (channels, height, width), but gets shape (784,)")


def test_a_cached_hub_dataset_gives_its_shape_and_classes(cli, write_config, no_data, tmp_path):
    from simplegrad.data import ArrayDataset
    from simplegrad.data.sources import hub
    from simplegrad.data.sources.cache import cache_path, write_cache

    options = hub._cache_options(None, None, None, None, None, False, None, None)
    write_cache(cache_path("ylecun/mnist", "train", options, str(tmp_path / "cache")),
                ArrayDataset(np.zeros((4, 1, 28, 28), np.float32), np.arange(4), 10))
    result = cli("validate", write_config(MNIST_CNN, "cnn.yaml"), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert (data["input_shape"], data["num_classes"], data["shape_from"]) == \
        ([1, 28, 28], 10, "the dataset cache")
    result = cli("validate", "cnn.yaml", "--set", "model.7.linear.out=9")
    assert result.exit_code == 2  # the classes are known: the last layer is checked
    assert "needs (10,)" in one_line(result)


def test_load_data_reads_the_data_and_train_checks_the_declared_shape(cli, write_config):
    config = write_config()
    report = json.loads(cli("validate", config, "--load-data", "--json").stdout)
    assert (report["data"]["train_samples"], report["data"]["val_samples"]) == (160, 40)
    assert report["data"]["shape_from"] == "the data"
    result = cli("train", config, "--set", "data.input_shape=[3]")
    assert result.exit_code == 2
    assert one_line(result) == ("--set: data.input_shape: is [3], but the data gives per-sample "
                                "shape [2]; correct it or set it to null")
