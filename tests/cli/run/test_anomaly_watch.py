"""`train --detect-anomaly` (train.detect_anomaly): a NaN born at a known layer stops the run
with one line naming the layer's config path and line, the op and the code that called it;
exit code 1; nothing half-written. Off, the engine is not observed at all."""
import json

import numpy as np
import pytest

import simplegrad
from simplegrad.checkpoint import load_checkpoint
from simplegrad_cli.run.anomaly_watch import layer_path
from simplegrad_cli.run.hooks import Hook


class Overflow(Hook):
    """After step `at`, layer 2's weight becomes 3e38: its next forward makes inf."""

    def __init__(self, at):
        self.at, self.observed = at, []

    def on_step(self, trainer, step):
        self.observed.append(bool(simplegrad.hooks.observers))
        if trainer.state.step == self.at:
            trainer.rows[2].module.weight.data[...] = 3e38


@pytest.fixture
def overflow(train_hook):
    return lambda at: train_hook(Overflow(at))


def test_a_nan_at_a_known_layer_is_one_line_naming_it(cli, write_config, overflow, workdir):
    hook = overflow(13)  # tiny: 10 steps an epoch, so in epoch 2
    result = cli("train", write_config(), "--detect-anomaly")
    assert result.exit_code == 1
    line = result.stderr.splitlines()[-1]  # after the progress lines
    assert line.startswith("tiny.yaml:10: model.2.linear: anomaly at epoch 2, step 14: Linear "
                           "produced non-finite values from finite inputs at ")
    assert "run/trainer.py:" in line and "(in Sequential > Linear)" in line
    assert line.endswith("stopped, last good checkpoint: runs/tiny/last.npz (epoch 1)")
    assert all(hook.observed)
    saved = load_checkpoint(workdir / "runs/tiny/last.npz")  # the last good epoch's
    assert saved.metadata["epoch"] == 1 and saved.metadata["step"] == 10
    assert all(np.isfinite(a).all() for a in saved.model_state.values())
    end = json.loads((workdir / "runs/tiny/metrics.jsonl").read_text().splitlines()[-1])
    assert end == {"type": "end", "epoch": 1, "step": 13, "status": "diverged",
                   "message": line, "layer": "model.2.linear", "op": "Linear",
                   "phase": "forward", "non_finite": "loss"}


def test_in_validation_nothing_of_the_epoch_is_kept(cli, write_config, overflow, workdir):
    overflow(10)  # the last step of epoch 1: validation comes next
    result = cli("train", write_config(), "--set", "train.detect_anomaly=true")
    assert result.exit_code == 1
    line = result.stderr.splitlines()[-1]  # after the progress lines
    assert line.startswith("tiny.yaml:10: model.2.linear: anomaly in the validation after "
                           "epoch 1 (step 10): Linear produced")
    assert line.endswith("stopped, no checkpoint was saved yet")
    assert not (workdir / "runs/tiny/last.npz").exists()


def test_off_the_engine_is_not_observed_and_the_old_line_stays(cli, write_config, overflow):
    hook = overflow(13)
    result = cli("train", write_config())
    assert result.exit_code == 1 and not any(hook.observed)
    assert result.stderr.splitlines()[-1] == (
        "training diverged: loss is nan at epoch 2, step 14 (batch 4 of 10); stopped, last good "
        "checkpoint: runs/tiny/last.npz (epoch 1); try a lower optimizer.lr or train.grad_clip")


def test_a_resumed_run_may_turn_it_on(cli, write_config, overflow):
    assert cli("train", write_config(), "--epochs", "1").exit_code == 0
    overflow(13)
    result = cli("train", "--resume", "runs/tiny/last.npz", "--epochs", "2", "--detect-anomaly")
    assert result.exit_code == 1
    assert "model.2.linear: anomaly at epoch 2" in result.stderr.splitlines()[-1]


def test_an_op_outside_the_layers_is_the_loss():
    from types import SimpleNamespace

    layer = object()
    rows = [SimpleNamespace(module=layer, path=("model", 0, "relu"))]
    assert layer_path(rows, (object(), layer)) == ("model", 0, "relu")
    assert layer_path(rows, ()) == ("loss",)
