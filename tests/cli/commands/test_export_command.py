"""`simplegrad export CHECKPOINT --format onnx`: a checked ONNX file that computes what the
checkpoint's model computes, on raw inputs (data.normalize folded in)."""
import json
import sys

import numpy as np
import pytest
from cli_helpers import one_line, resave

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

IMAGES_CONFIG = """\
seed: 0
data:
  source: images.npz
  val_fraction: 0.25
  batch_size: 16
  normalize: [0.5, 0.25]
model:
  - conv2d: {out: 4, kernel_size: 3, padding: 1}
  - batch_norm2d
  - relu
  - max_pool2d: {kernel_size: 2}
  - flatten
  - layer_norm
  - gelu
  - dropout: {p: 0.3}
  - linear: {out: 3}
optimizer: {name: adam, lr: 0.01}
train:
  epochs: 2
"""


def train(cli, config):
    result = cli("train", config, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["best_checkpoint"]


def rebuilt(checkpoint_path):
    """The checkpoint's model, rebuilt as `eval` rebuilds it."""
    from simplegrad_cli.run.stored_run import open_checkpoint, rebuild_model, stored_config

    checkpoint = open_checkpoint(checkpoint_path)
    model, _ = rebuild_model(checkpoint, stored_config(checkpoint))
    return model.eval()


def run_onnx(path, x):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x})[0]


@pytest.fixture
def tiny_checkpoint(cli, write_config):
    return train(cli, write_config())


@pytest.fixture
def images_checkpoint(cli, write_config, workdir):
    rng = np.random.default_rng(0)
    np.savez(workdir / "images.npz", x_train=rng.integers(0, 256, (48, 8, 8), dtype=np.uint8),
             y_train=rng.integers(0, 3, 48), x_test=rng.integers(0, 256, (12, 8, 8),
                                                                   dtype=np.uint8),
             y_test=rng.integers(0, 3, 12))
    return train(cli, write_config(IMAGES_CONFIG, "images.yaml"))


def test_export_mlp_matches_the_model_on_real_data(cli, tiny_checkpoint, workdir):
    result = cli("export", tiny_checkpoint, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["out"] == "runs/tiny/best.onnx" and report["checker"] == "passed"
    assert report["max_abs_difference"] <= 1e-5 and report["passed"] is True
    assert report["tolerance"] >= 1e-5
    assert report["input"]["shape"] == ["batch", 2] and report["output"]["shape"] == ["batch", 3]
    from simplegrad.data import load

    x = load("synthetic:spirals", split="test", n_samples=200, noise=0.1, num_classes=3).x
    ours = rebuilt(tiny_checkpoint)(x).data
    np.testing.assert_allclose(run_onnx(workdir / "runs/tiny/best.onnx", x), ours, atol=1e-5)
    assert sorted(p.name for p in (workdir / "runs/tiny").iterdir()) == \
        ["best.npz", "best.onnx", "config.yaml", "last.npz", "metrics.jsonl"]


def test_export_cnn_folds_normalisation_and_records_it(cli, images_checkpoint, workdir):
    result = cli("export", images_checkpoint, "--out", "cnn.onnx")
    assert result.exit_code == 0, result.stderr
    assert "preprocessing: (x - 0.5) / 0.25 folded into the model" in result.stdout
    assert "onnx.checker: passed" in result.stdout
    difference = float(result.stdout.split("max abs difference from simplegrad ")[1].split()[0])
    assert difference <= 1e-5
    raw = np.random.default_rng(1).random((5, 1, 8, 8), dtype=np.float32)  # pixels in [0, 1]
    ours = rebuilt(images_checkpoint)((raw - np.float32(0.5)) / np.float32(0.25)).data
    np.testing.assert_allclose(run_onnx(workdir / "cnn.onnx", raw), ours, atol=1e-5)
    props = {p.key: p.value for p in onnx.load(workdir / "cnn.onnx").metadata_props}
    assert props["preprocessing"] == "(x - 0.5) / 0.25 (folded into the graph)"
    assert props["data_source"] == str((workdir / "images.npz").resolve())  # stored absolute
    assert props["input_shape"] == '["batch", 1, 8, 8]'


OTHER_LAYERS = """\
seed: 0
data:
  source: images.npz
  batch_size: 16
model:
  - avg_pool2d: {kernel_size: 2}
  - flatten
  - linear: {out: 8}
  - batch_norm1d
  - leaky_relu: {negative_slope: 0.1}
  - silu
  - tanh
  - sigmoid
  - linear: {out: 3}
  - softmax
optimizer: {name: adam, lr: 0.01}
train:
  epochs: 1
"""


def test_every_other_config_layer_exports(cli, images_checkpoint, write_config):
    checkpoint = train(cli, write_config(OTHER_LAYERS, "other.yaml"))
    result = cli("export", checkpoint, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["max_abs_difference"] <= 1e-5


def test_without_onnx_one_line_says_what_to_install(cli, tiny_checkpoint, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = cli("export", tiny_checkpoint)
    assert result.exit_code == 2
    assert one_line(result) == ('export --format onnx needs the onnx package: '
                                'pip install "simplegrad[onnx]"')


def test_without_onnxruntime_the_file_is_checked_but_not_run(cli, tiny_checkpoint,
                                                            monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    result = cli("export", tiny_checkpoint, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["onnxruntime"] is None and report["max_abs_difference"] is None
    assert report["checker"] == "passed"


def test_a_difference_above_tolerance_fails_and_writes_nothing(cli, tiny_checkpoint,
                                                               monkeypatch, workdir):
    import simplegrad.export

    monkeypatch.setattr(simplegrad.export, "compare", lambda *args: (0.5, 3.0))
    result = cli("export", tiny_checkpoint, "--out", "m.onnx")
    assert result.exit_code == 1
    assert "differ by up to 0.5 (more than 3e-05); m.onnx was not written (nothing was " \
           "written)" in one_line(result)
    assert not (workdir / "m.onnx").exists()


def test_a_failed_re_export_leaves_the_previous_file_exactly_as_it_was(cli, tiny_checkpoint,
                                                                       monkeypatch, workdir):
    import simplegrad.export

    assert cli("export", tiny_checkpoint, "--out", "m.onnx").exit_code == 0
    before = (workdir / "m.onnx").read_bytes()
    monkeypatch.setattr(simplegrad.export, "compare", lambda *args: (0.5, 3.0))
    result = cli("export", tiny_checkpoint, "--out", "m.onnx")
    assert result.exit_code == 1 and "the previous file is unchanged" in one_line(result)
    assert (workdir / "m.onnx").read_bytes() == before
    assert sorted(p.name for p in workdir.iterdir() if "onnx" in p.name) == ["m.onnx"]


def test_a_model_with_non_finite_weights_is_named_so_not_reported_as_a_bug(cli, tiny_checkpoint,
                                                                          workdir):
    resave(tiny_checkpoint, "nan.npz", {"0.weight": np.nan})
    result = cli("export", "nan.npz")
    line = one_line(result)
    assert result.exit_code == 2 and "the weights are not finite (NaN or inf in 0.weight" in line
    assert "please report" not in line and not (workdir / "nan.onnx").exists()


def test_finite_weights_whose_outputs_overflow_export_nothing(cli, tiny_checkpoint, workdir):
    pytest.importorskip("onnxruntime")
    resave(tiny_checkpoint, "huge.npz", {"0.weight": 3e38})  # finite, but x @ W is inf
    result = cli("export", "huge.npz")
    line = one_line(result)
    assert result.exit_code == 2, line
    assert "the model's outputs are not finite on sample inputs" in line
    assert "nothing was exported" in line and not (workdir / "huge.onnx").exists()


def test_tolerance_grows_with_outputs_larger_than_one(cli, tiny_checkpoint, monkeypatch):
    import simplegrad.export

    monkeypatch.setattr(simplegrad.export, "compare", lambda *args: (5e-5, 10.0))
    result = cli("export", tiny_checkpoint, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["tolerance"] == pytest.approx(1e-4) and report["max_abs_output"] == 10.0
    monkeypatch.setattr(simplegrad.export, "compare", lambda *args: (5e-5, 0.5))
    assert cli("export", tiny_checkpoint).exit_code == 1


@pytest.mark.parametrize("args,expected", [
    (["--format", "tflite"], "--format: 'tflite' is not supported; formats: onnx"),
    (["--out", "missing/m.onnx"], "--out: missing/m.onnx: folder "),
])
def test_bad_options_are_one_line(cli, tiny_checkpoint, args, expected, workdir):
    result = cli("export", tiny_checkpoint, *args)
    assert result.exit_code == 2 and one_line(result).startswith(expected)
    assert not list(workdir.glob("*.onnx")) and not (workdir / "missing").exists()


def test_missing_checkpoint_is_one_line(cli):
    result = cli("export", "nope.npz")
    assert result.exit_code == 2 and "nope.npz" in one_line(result)
