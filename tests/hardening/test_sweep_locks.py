"""Data loss in sweeps: a sweep folder and its trial folders have one writer at a
time, like a run folder (`simplegrad_cli.run.run_folder`'s lock)."""
import json
import os
import signal
import subprocess
import time

import pytest

from hardening_helpers import TINY, error_line, offline_env, run
from simplegrad_command import SIMPLEGRAD

pytest.importorskip("optuna")

SWEEP = """\
config: tiny.yaml
trials: 2
jobs: 1
sampler: random
pruner: none
space:
  optimizer.lr: {loguniform: [1.0e-3, 1.0e-1]}
"""


@pytest.fixture
def running_sweep(tmp_path):
    """A sweep whose first trial trains for a long time; yields once that trial has saved
    last.npz, and is stopped (Ctrl-C) afterwards."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "s.yaml").write_text(SWEEP)
    process = subprocess.Popen([*SIMPLEGRAD, "sweep", "s.yaml", "--set", "train.epochs=5000"],
                               cwd=tmp_path, env=offline_env(tmp_path), text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    last = tmp_path / "sweeps" / "s" / "trial-0000" / "last.npz"
    deadline = time.monotonic() + 120
    while not last.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.1)
    yield process
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)


def _trial_states(folder):
    """Each trial's state as the study stores it (read straight from the SQLite file)."""
    import sqlite3

    with sqlite3.connect(folder / "study.db") as db:
        return [state for (state,) in db.execute("select state from trials order by number")]


def test_a_second_sweep_on_the_same_folder_is_refused(tmp_path, running_sweep):
    """Old code: the second sweep took the first one's running trial for a leftover, marked
    it failed in the study, and ran its own trials beside it."""
    result = run(["sweep", "s.yaml", "--set", "train.epochs=5000"], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = error_line(result.stderr)
    assert line.startswith("sweeps/s: in use by pid ") and "simplegrad sweep s.yaml" in line
    assert _trial_states(tmp_path / "sweeps" / "s") == ["RUNNING"]
    # The first sweep is still writing its study: SQLite's journal comes and goes beside it.
    left = sorted(name for name in os.listdir(tmp_path / "sweeps" / "s")
                  if not name.startswith("study.db-"))
    assert left == [".lock", "study.db", "trial-0000"]


@pytest.mark.parametrize("args", [["train", "--resume", "sweeps/s/trial-0000/last.npz"],
                                  ["train", "tiny.yaml", "--out", "sweeps/s"]],
                         ids=["resume-into-the-trial", "train-into-the-sweep-folder"])
def test_training_into_a_running_sweep_is_refused(tmp_path, running_sweep, args):
    trial = tmp_path / "sweeps" / "s" / "trial-0000"
    result = run(args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert " in use by pid " in error_line(result.stderr)
    assert not (tmp_path / "sweeps" / "s" / "config.yaml").exists()
    lines = (trial / "metrics.jsonl").read_text().splitlines(keepends=True)
    records = [json.loads(line) for line in lines if line.endswith("\n")]  # the trial still writes
    epochs = [r["epoch"] for r in records if r["type"] == "epoch"]
    assert epochs == list(range(1, len(epochs) + 1))  # one writer: no repeated epochs
