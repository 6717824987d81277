"""The U-Net-style layers in configs: a model with group_norm, conv_transpose2d, upsample,
adaptive pooling and the newer activations validates with the shapes worked out, trains,
reloads from its checkpoint and exports; a rule between arguments is one line, exit 2."""
import json

import numpy as np
import pytest

CONFIG = """\
data:
  source: builtin:digits
  max_samples: 240
model:
  - conv2d: {out: 4, kernel_size: 3, padding: 1}
  - group_norm: {num_groups: 2}
  - elu
  - conv_transpose2d: {out: 4, kernel_size: 2, stride: 2}
  - hardswish
  - adaptive_avg_pool2d: {output_size: 7}
  - upsample: {scale_factor: 2, mode: bilinear}
  - max_pool2d: {kernel_size: 4}
  - mish
  - flatten
  - linear: {out: 10}
optimizer: {name: adam, lr: 0.01}
train: {epochs: 2}
"""


def test_an_image_model_with_the_new_layers_validates_trains_and_reloads(cli, write_config):
    config = write_config(CONFIG, "unet.yaml")
    report = json.loads(cli("validate", config, "--json").stdout)
    shapes = [tuple(layer["output_shape"]) for layer in report["layers"]]
    assert shapes == [(4, 28, 28), (4, 28, 28), (4, 28, 28), (4, 56, 56), (4, 56, 56),
                      (4, 7, 7), (4, 14, 14), (4, 3, 3), (4, 3, 3), (36,), (10,)]
    assert report["layers"][1]["arguments"]["num_channels"] == 4  # inferred
    assert report["layers"][3]["parameters"] == 4 * 4 * 2 * 2 + 4
    trained = cli("train", config, "--json")
    assert trained.exit_code == 0, trained.stderr
    evaluated = cli("eval", "runs/unet/best.npz", "--json")
    assert evaluated.exit_code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["accuracy"] >= 0  # rebuilt from the checkpoint alone


def test_an_image_model_with_the_new_layers_exports_to_onnx(cli, write_config):
    pytest.importorskip("onnxruntime")
    assert cli("train", write_config(CONFIG, "unet.yaml"), "--epochs", "1").exit_code == 0
    report = json.loads(cli("export", "runs/unet/best.npz", "--json").stdout)
    assert report["passed"] and report["max_abs_difference"] <= report["tolerance"]


@pytest.mark.parametrize("setting, words", [
    ("model.1.group_norm.num_groups=3", ["model.1.group_norm.num_groups", "3", "divide", "4"]),
    ("model.6.upsample.size=5", ["model.6.upsample", "exactly one of size and scale_factor"]),
    ("model.6.upsample.mode=nearest", None),  # valid: bilinear's align_corners is unset
    ("model.3.conv_transpose2d.output_padding=2",
     ["model.3.conv_transpose2d.output_padding", "smaller than stride 2"]),
    ("model.2=hardtanh: {min_val: 1, max_val: 0}", ["model.2.hardtanh.max_val", "above"]),
])
def test_a_rule_between_arguments_is_one_line(cli, write_config, setting, words):
    result = cli("validate", write_config(CONFIG, "unet.yaml"), "--set", setting)
    if words is None:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert all(word in line for word in words), line


def test_align_corners_needs_bilinear(cli, write_config):
    config = CONFIG.replace("mode: bilinear", "mode: nearest, align_corners: true")
    result = cli("validate", write_config(config, "unet.yaml"))
    assert result.exit_code == 2
    assert "model.6.upsample.align_corners: align_corners is only for mode bilinear" \
        in result.stderr


def test_conv1d_refuses_images_naming_the_shape_it_takes(cli, write_config):
    config = CONFIG.replace("- conv2d: {out: 4, kernel_size: 3, padding: 1}",
                            "- conv1d: {out: 4, kernel_size: 3}")
    result = cli("validate", write_config(config, "unet.yaml"))
    assert result.exit_code == 2
    assert "model.0.conv1d: expects per-sample input of shape (channels, length), but gets " \
           "shape (1, 28, 28)" in result.stderr


SEQUENCES = """\
data:
  source: npy:x.npy,y.npy
model:
  - conv1d: {out: 6, kernel_size: 5, padding: 2}
  - group_norm: {num_groups: 3}
  - selu
  - conv1d: {out: 6, kernel_size: 3, stride: 2}
  - relu6
  - flatten
  - linear: {out: 2}
optimizer: {name: adam, lr: 0.02}
train: {epochs: 15}
"""


def test_conv1d_learns_sequences(cli, write_config, workdir):
    """Two channels of 24 steps: class 1's first channel rises, class 0's falls."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    slope = np.where(labels, 1.0, -1.0)[:, None] * np.linspace(-1, 1, 24)
    x = np.stack([slope, rng.normal(size=(200, 24))], axis=1) + rng.normal(0, 0.3,
                                                                       (200, 2, 24))
    np.save(workdir / "x.npy", x.astype(np.float32))
    np.save(workdir / "y.npy", labels)
    config = write_config(SEQUENCES, "seq.yaml")
    shapes = [layer["output_shape"] for layer in
              json.loads(cli("validate", config, "--load-data", "--json").stdout)["layers"]]
    assert shapes == [[6, 24], [6, 24], [6, 24], [6, 11], [6, 11], [66], [2]]
    trained = cli("train", config, "--json")
    assert trained.exit_code == 0, trained.stderr
    assert json.loads(trained.stdout)["best"] >= 0.9
