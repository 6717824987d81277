"""log_softmax, added as one LayerSpec (its class and ONNX converter were the library's): a
model ending in it trains, validates, gradchecks, exports to ONNX and predicts probabilities."""
import json

import numpy as np
import pytest

CONFIG = """\
data:
  source: synthetic:blobs
  options: {n_samples: 120, num_classes: 3}
model:
  - linear: {out: 8}
  - relu
  - linear: {out: 3}
  - log_softmax
optimizer: {name: adam, lr: 0.05}
train: {epochs: 10}
"""


def test_a_model_ending_in_log_softmax_gives_log_probabilities(cli, write_config):
    config = write_config(CONFIG, "logp.yaml")
    layers = json.loads(cli("validate", config, "--json").stdout)["layers"]
    assert layers[-1] == {"index": 3, "layer": "log_softmax", "arguments": {},
                          "output_shape": [3], "parameters": 0}
    assert cli("train", config).exit_code == 0
    predicted = json.loads(cli("predict", "runs/logp/best.npz", "--data", "synthetic:blobs",
                               "--split", "test", "--json").stdout)
    top = [p["top"] for p in predicted["predictions"]]
    assert all(0 < t[0]["probability"] <= 1 for t in top) and predicted["accuracy"] > 0.5
    checked = json.loads(cli("gradcheck", "--op", "log_softmax", "--json").stdout)
    assert checked["passed"] and {c["kind"] for c in checked["checks"]} == {"op", "layer"}


def test_log_softmax_exports_to_onnx(cli, write_config):
    pytest.importorskip("onnxruntime")
    assert cli("train", write_config(CONFIG, "logp.yaml")).exit_code == 0
    report = json.loads(cli("export", "runs/logp/best.npz", "--json").stdout)
    assert report["passed"] and report["max_abs_difference"] <= report["tolerance"]
    assert np.isfinite(report["max_abs_output"])
