"""zero_pad2d, a layer that changes the shape, added as its class, its ONNX converter and one
LayerSpec: validate works out the shapes, and the model trains, gradchecks and exports."""
import json

import pytest

CONFIG = """\
data:
  source: builtin:digits
  max_samples: 240
  flatten: false
model:
  - zero_pad2d: {padding: 2}
  - conv2d: {out: 4, kernel_size: 5}
  - relu
  - max_pool2d: {kernel_size: 4}
  - flatten
  - linear: {out: 10}
optimizer: {name: adam, lr: 0.01}
train: {epochs: 2}
"""


def test_a_model_with_zero_pad2d_validates_trains_and_gradchecks(cli, write_config):
    config = write_config(CONFIG, "padded.yaml")
    layers = json.loads(cli("validate", config, "--json").stdout)["layers"]
    assert [tuple(layer["output_shape"]) for layer in layers] == [
        (1, 32, 32), (4, 28, 28), (4, 28, 28), (4, 7, 7), (196,), (10,)]
    assert layers[1]["arguments"]["in"] == 1 and layers[0]["parameters"] == 0
    trained = cli("train", config, "--json")
    assert trained.exit_code == 0, trained.stderr
    checked = json.loads(cli("gradcheck", "--op", "zero_pad2d", "--json").stdout)
    assert checked["passed"] and [c["kind"] for c in checked["checks"]] == ["layer"]


def test_zero_pad2d_refuses_vectors_and_negative_padding(cli, write_config):
    flat = cli("validate", write_config(CONFIG.replace("flatten: false", "flatten: true"),
                                        "flat.yaml"))
    assert flat.exit_code == 2 and "model.0.zero_pad2d" in flat.stderr
    assert "(channels, height, width)" in flat.stderr
    negative = cli("validate", write_config(CONFIG, "neg.yaml"),
                   "--set", "model.0.zero_pad2d.padding=-1")
    assert negative.exit_code == 2 and "model.0.zero_pad2d.padding" in negative.stderr


def test_zero_pad2d_exports_to_onnx(cli, write_config):
    pytest.importorskip("onnxruntime")
    assert cli("train", write_config(CONFIG, "padded.yaml"), "--epochs", "1").exit_code == 0
    report = json.loads(cli("export", "runs/padded/best.npz", "--json").stdout)
    assert report["passed"] and report["max_abs_difference"] <= report["tolerance"]
