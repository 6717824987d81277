"""NaN/inf in the loss, the gradients or the weights stops training with exit code 1, names the
epoch and step, and keeps the last good checkpoint exactly as it was."""
import json
import os

import numpy as np
import pytest

from hardening_helpers import invoke
from simplegrad.checkpoint import load_checkpoint

EXPLODES = """\
seed: 0
data:
  source: synthetic:blobs
  options: {n_samples: 256, num_classes: 3}
  val_fraction: 0.25
  batch_size: 32
  normalize: [0, NORM]
model:
  - linear: {out: 32}
  - relu
  - linear: {out: 3}
optimizer: {name: sgd, lr: 10}
train:
  epochs: 5
"""
HINT = "try a lower optimizer.lr or train.grad_clip"


def _write(workdir, norm=1):
    (workdir / "explodes.yaml").write_text(EXPLODES.replace("NORM", str(norm)))
    return "explodes.yaml"


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files if key != "metadata"}


def _assert_kept_epoch_1(workdir, config):
    """run/last.npz is the finished epoch 1, bitwise what a 1-epoch run saves, all finite."""
    assert load_checkpoint(workdir / "run/last.npz").metadata["epoch"] == 1
    reference = invoke("train", config, "--epochs", "1", "--out", "one")
    assert reference.exit_code == 0, reference.stderr
    ours, theirs = _arrays(workdir / "run/last.npz"), _arrays(workdir / "one/last.npz")
    for key in theirs:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
        assert np.isfinite(ours[key]).all(), key
    epochs = [json.loads(line)["epoch"] for line in open(workdir / "run/metrics.jsonl")
              if json.loads(line)["type"] == "epoch"]
    assert epochs == [1]
    assert not [name for name in os.listdir(workdir / "run") if name.endswith(".partial")]


def test_infinite_loss_keeps_the_last_good_checkpoint(workdir):
    config = _write(workdir)
    result = invoke("train", config, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: loss is inf at epoch 2, step 12 (batch 6 of 6); stopped, last good "
        f"checkpoint: run/last.npz (epoch 1); {HINT}")
    _assert_kept_epoch_1(workdir, config)


def test_divergence_before_any_checkpoint(workdir):
    config = _write(workdir, norm=0.001)  # features 1000x larger: NaN within epoch 1
    result = invoke("train", config, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: loss is nan at epoch 1, step 5 (batch 5 of 6); stopped, no "
        f"checkpoint was saved yet; {HINT}")
    assert not (workdir / "run/last.npz").exists() and not (workdir / "run/best.npz").exists()


@pytest.fixture
def calm(workdir):
    """A config that trains normally (lr 0.01): the faults are injected."""
    (workdir / "calm.yaml").write_text(EXPLODES.replace("NORM", "1").replace("lr: 10",
                                                                             "lr: 0.01"))
    return "calm.yaml"


def test_nan_gradient_with_a_finite_loss(workdir, calm, monkeypatch):
    import simplegrad.nn.utils as utils

    real, calls = utils.clip_grad_norm, []

    def clip_grad_norm(params, max_norm):
        calls.append(1)
        return float("nan") if len(calls) == 9 else real(params, max_norm)
    monkeypatch.setattr(utils, "clip_grad_norm", clip_grad_norm)
    result = invoke("train", calm, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: gradient norm is nan at epoch 2, step 9 (batch 3 of 6); stopped, "
        f"last good checkpoint: run/last.npz (epoch 1); {HINT}")
    _assert_kept_epoch_1(workdir, calm)


def test_weights_that_overflow_are_never_saved(workdir, calm, monkeypatch):
    from simplegrad_cli.run.trainer import Trainer

    real = Trainer.step

    def step(self, *args):  # the update at step 12 (last batch of epoch 2) overflows
        real(self, *args)
        if self.state.step == 12:
            next(iter(self.model.parameters())).data[0, 0] = np.inf
    monkeypatch.setattr(Trainer, "step", step)
    result = invoke("train", calm, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: weight 0.weight is not finite at epoch 2, after step 12 (end of "
        f"the epoch); stopped, last good checkpoint: run/last.npz (epoch 1); {HINT}")
    _assert_kept_epoch_1(workdir, calm)
    assert np.isfinite(_arrays(workdir / "run/best.npz")["model/0.weight"]).all()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_validation_loss_is_divergence(workdir, calm, monkeypatch, bad):
    import simplegrad_cli.run.trainer as train

    real, calls = train.evaluate, []

    def evaluate(*args):  # the validation at the end of epoch 2 overflows
        calls.append(1)
        result = real(*args)
        return {**result, "loss": bad} if len(calls) == 2 else result
    monkeypatch.setattr(train, "evaluate", evaluate)
    result = invoke("train", calm, "--out", "run", "--json")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"training diverged: validation loss is {bad} at epoch 2, after step 12 (end of the "
        f"epoch); stopped, last good checkpoint: run/last.npz (epoch 1); {HINT}")
    assert json.loads(result.stdout)["ok"] is False  # no summary saying "completed"
    assert load_checkpoint(workdir / "run/best.npz").metadata["epoch"] == 1
    _assert_kept_epoch_1(workdir, calm)
