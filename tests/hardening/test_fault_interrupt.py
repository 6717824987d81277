"""Ctrl-C at chosen steps, then --resume, ends bitwise identical to a run never interrupted;
a second Ctrl-C during the save stops at once and leaves the previous checkpoint intact.

tests/cli covers SIGINT/SIGTERM on a real process at a random moment. Here the signal is sent
in-process at exact steps (mid-epoch and on an epoch's last batch) of a run that uses every
piece of state a resume must restore: SGD momentum, a warmup + step schedule, dropout, batch
norm running statistics, gradient clipping and shuffling.
"""
import json
import os
import signal

import numpy as np
import pytest

from hardening_helpers import invoke

RICH = """\
seed: 3
data:
  source: synthetic:spirals
  options: {n_samples: 240, noise: 0.2, num_classes: 3}
  val_fraction: 0.25
  batch_size: 32
model:
  - linear: {out: 24}
  - batch_norm1d
  - relu
  - dropout: {p: 0.2}
  - linear: {out: 3}
optimizer: {name: sgd, lr: 0.2, momentum: 0.9, nesterov: true, weight_decay: 0.001}
scheduler: {name: step, step_size: 2, gamma: 0.5, warmup_epochs: 1}
train:
  epochs: 5
  grad_clip: 1.0
  log_every: 2
"""
STEPS_PER_EPOCH = 6  # 180 training samples in batches of 32


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files if key != "metadata"}


def _records(path):
    """metrics.jsonl without the wall-clock fields."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    return [{k: v for k, v in row.items() if k not in ("time_s", "samples_per_s")}
            for row in rows]


@pytest.mark.parametrize("stops", [(8,), (3, 12, 17), (6, 13)],
                         ids=["mid-epoch", "three-times", "last-batch-then-mid-epoch"])
def test_sigint_then_resume_equals_uninterrupted(workdir, signals_after_step, stops):
    (workdir / "rich.yaml").write_text(RICH)
    full = invoke("train", "rich.yaml", "--out", "full")
    assert full.exit_code == 0, full.stderr

    for stop in stops:
        signals_after_step(stop)
    result = invoke("train", "rich.yaml", "--out", "part")
    for stop in stops:
        assert result.exit_code == 130, result.stderr
        line = result.stderr.splitlines()[-1]
        epoch, batch = divmod(stop, STEPS_PER_EPOCH)
        done = f"{epoch} epoch{'' if epoch == 1 else 's'} completed"
        where = (f"in epoch {epoch + 1} at batch {batch} of {STEPS_PER_EPOCH} ({done}, step "
                 f"{stop})"
                 if batch else f"after epoch {epoch} (step {stop})")
        assert line == (f"Ctrl-C: stopped {where}; saved part/last.npz; continue with "
                        "simplegrad train --resume part/last.npz"), line
        result = invoke("train", "--resume", "part/last.npz")
    assert result.exit_code == 0, result.stderr

    ours, theirs = _arrays("part/last.npz"), _arrays("full/last.npz")
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    for name in ("best.npz",):
        for key, value in _arrays(f"full/{name}").items():
            np.testing.assert_array_equal(_arrays(f"part/{name}")[key], value, err_msg=key)
    assert _records("part/metrics.jsonl") == _records("full/metrics.jsonl")


def test_second_sigint_during_the_save_keeps_the_previous_checkpoint(workdir, monkeypatch,
                                                                     signals_after_step):
    (workdir / "rich.yaml").write_text(RICH)
    signals_after_step(STEPS_PER_EPOCH + 2)  # first Ctrl-C mid-epoch 2: the loop saves...
    import simplegrad.checkpoint as checkpoint

    real_savez, saves = np.savez, []

    def savez(file, **arrays):  # ...and the second arrives while it is being written
        real_savez(file, **arrays)
        saves.append(file.name)
        if len(saves) == 3:  # best.npz and last.npz of epoch 1, then the interrupt's save
            snapshot["last"] = (workdir / "part/last.npz").read_bytes()
            os.kill(os.getpid(), signal.SIGINT)
    snapshot = {}
    monkeypatch.setattr(checkpoint.np, "savez", savez)

    result = invoke("train", "rich.yaml", "--out", "part")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == ("interrupted by Ctrl-C: stopped at once, without "
                                              "saving")
    assert (workdir / "part/last.npz").read_bytes() == snapshot["last"]  # epoch 1, intact
    assert sorted(os.listdir(workdir / "part")) == ["best.npz", "config.yaml", "last.npz",
                                                    "metrics.jsonl"]  # no temp file left
    resumed = invoke("train", "--resume", "part/last.npz", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["epochs"] == 5
