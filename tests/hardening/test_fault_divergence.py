"""NaN/inf in the loss, the gradients or the weights stops training with exit code 1, names the
epoch and step, and keeps the last good checkpoint exactly as it was."""
import json
import os

import numpy as np
import pytest

from hardening_helpers import invoke
from simplegrad.checkpoint import load_checkpoint
from simplegrad_cli.run.hooks import Hook

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


def test_nan_gradient_with_a_finite_loss(workdir, calm, train_hook):
    class NanGradient(Hook):  # step 9's gradient of the first weight, through a tensor hook
        def on_train_start(self, trainer):
            weight = next(iter(trainer.model.parameters()))
            self.handle = weight.register_hook(
                lambda grad: grad * np.nan if trainer.state.step == 8 else None)

        def on_train_end(self, trainer, status):
            self.handle.remove()
    train_hook(NanGradient())
    result = invoke("train", calm, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: gradient norm is nan at epoch 2, step 9 (batch 3 of 6); stopped, "
        f"last good checkpoint: run/last.npz (epoch 1); {HINT}")
    _assert_kept_epoch_1(workdir, calm)


def test_weights_that_overflow_are_never_saved(workdir, calm, train_hook):
    class Overflow(Hook):  # the update at step 12 (last batch of epoch 2) overflows
        def on_step(self, trainer, step):
            if trainer.state.step == 12:
                next(iter(trainer.model.parameters())).data[0, 0] = np.inf
    train_hook(Overflow())
    result = invoke("train", calm, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: weight 0.weight is not finite at epoch 2, after step 12 (end of "
        f"the epoch); stopped, last good checkpoint: run/last.npz (epoch 1); {HINT}")
    _assert_kept_epoch_1(workdir, calm)
    assert np.isfinite(_arrays(workdir / "run/best.npz")["model/0.weight"]).all()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_validation_loss_is_divergence(workdir, calm, train_hook, bad):
    class BadValidation(Hook):  # the validation at the end of epoch 2 overflows
        def on_train_start(self, trainer):
            loss, validations = trainer.loss_fn, []

            def checked(out, y):
                validations.extend([1] * (not trainer.model.training))
                return loss(out, y) + bad if len(validations) == 2 else loss(out, y)
            trainer.loss_fn = checked
    train_hook(BadValidation())
    result = invoke("train", calm, "--out", "run", "--json")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"training diverged: validation loss is {bad} at epoch 2, after step 12 (end of the "
        f"epoch); stopped, last good checkpoint: run/last.npz (epoch 1); {HINT}")
    assert json.loads(result.stdout)["ok"] is False  # no summary saying "completed"
    assert load_checkpoint(workdir / "run/best.npz").metadata["epoch"] == 1
    _assert_kept_epoch_1(workdir, calm)
