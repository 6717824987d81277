"""`kill -9` in the middle of writing a checkpoint never damages the previous one.

A model big enough that a save takes measurable time trains on a few samples, so most of
each epoch is spent saving. The test times one save, then waits until a save has started (its
temp file appears), waits a random fraction of a save's time longer, and SIGKILLs the process; then checks that last.npz
is the previous checkpoint byte for byte (or a newer complete one), that the temp file is
never taken for a checkpoint, and resumes. After several such kills the run is finished, and
its weights equal an uninterrupted run's exactly.
"""
import os
import random
import signal
import subprocess
import time

import numpy as np

from hardening_helpers import error_line, invoke, offline_env, run
from simplegrad_command import SIMPLEGRAD

from simplegrad.checkpoint import load_checkpoint


BIG = """\
seed: 0
data:
  source: synthetic:blobs
  options: {n_samples: 64, num_classes: 3}
  val_fraction: 0
  batch_size: 32
model:
  - linear: {out: 512}
  - relu
  - linear: {out: 512}
  - relu
  - linear: {out: 3}
optimizer: {name: adam, lr: 0.0001}
train:
  epochs: 10
  metric: train_loss
"""
KILLS = 4  # kills at random moments; more (up to MAX_KILLS) until one lands inside a save
MAX_KILLS = 16


def _partials(folder):
    return [name for name in os.listdir(folder) if name.endswith(".partial")]


def _start(args, cwd, env):
    return subprocess.Popen([*SIMPLEGRAD, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(process, ready):
    """Poll until `ready()` is truthy and return it; False if the process ended (or a minute
    passed) first."""
    deadline = time.monotonic() + 60
    while not (found := ready()):
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return found


def _save_seconds(process, folder):
    """How long the next save takes: from its temp file appearing to its rename."""
    seen = set(_partials(folder))
    started = _wait_for(process, lambda: set(_partials(folder)) - seen)
    assert started, "the run ended before its next save"
    start, name = time.monotonic(), min(started)  # listed once: the save may end any moment
    assert _wait_for(process, lambda: name not in _partials(folder))
    return time.monotonic() - start


def _kill_during_a_save(process, folder, skip, delay):
    """SIGKILL `process` `delay` seconds after the temp file of its (skip + 1)-th checkpoint
    save appears in `folder` (temp files have random names). False if the run ended first."""
    seen = set(_partials(folder)) if os.path.isdir(folder) else set()
    for _ in range(skip + 1):
        if not _wait_for(process, lambda: set(_partials(folder)) - seen):
            return False
        seen |= set(_partials(folder))
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    return True


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files if key != "metadata"}


def _assert_partials_are_never_checkpoints(folder):
    """Temp files may be left, but no command treats them (or the folder) as a checkpoint.
    (In-process: these commands need no process to kill.)"""
    for partial in _partials(folder):
        for args in (["info"], ["eval"], ["train", "--resume"]):
            result = invoke(*args, f"run/{partial}")
            assert result.exit_code == 2
            assert "never finished" in error_line(result.stderr)
    for args in (["info"], ["eval"], ["train", "--resume"]):
        result = invoke(*args, "run")
        assert result.exit_code == 2 and "is a directory" in error_line(result.stderr)
    result = invoke("train", "big.yaml", "--out", "run")
    line = error_line(result.stderr)
    assert result.exit_code == 2 and "already holds a run" in line and "partial" not in line


def _load_bytes(folder, data):
    """load_checkpoint on bytes (written next to the run, outside it)."""
    path = folder / "snapshot.npz"
    path.write_bytes(data)
    return load_checkpoint(path)


def test_sigkill_during_saves_keeps_the_previous_checkpoint(workdir):
    tmp_path, env = workdir, offline_env(workdir)
    (tmp_path / "big.yaml").write_text(BIG)
    reference = run(["train", "big.yaml", "--out", "reference"], cwd=tmp_path, env=env)
    assert reference.returncode == 0, reference.stderr

    rng = random.Random(7)
    folder, last = tmp_path / "run", tmp_path / "run" / "last.npz"
    args = ["train", "big.yaml", "--out", "run"]
    interrupted_saves, checked_partials, kills = 0, False, 0
    for kill in range(MAX_KILLS):
        if kill >= KILLS and interrupted_saves:
            break
        process = _start(args, tmp_path, env)
        if kill == 0:  # let the first epoch finish: from then on there is something to lose
            assert _wait_for(process, last.exists)
            save_seconds = _save_seconds(process, folder)  # kills land within such a time
        before = last.read_bytes()
        if not _kill_during_a_save(process, folder, rng.randrange(3),
                                   rng.uniform(0, 0.8 * save_seconds)):
            break  # the run finished before another save: nothing left to interrupt
        kills += 1
        interrupted_saves += bool(_partials(folder))
        after = load_checkpoint(last)  # complete: every array and its CRC check out
        was = _load_bytes(tmp_path, before)
        assert after.metadata["step"] >= was.metadata["step"]
        if after.metadata["step"] == was.metadata["step"]:
            assert last.read_bytes() == before  # the previous checkpoint, untouched
        load_checkpoint(folder / "best.npz")
        info = invoke("info", "run/last.npz")
        assert info.exit_code == 0, info.stderr
        args = ["train", "--resume", "run/last.npz"]
        if _partials(folder) and not checked_partials:
            _assert_partials_are_never_checkpoints(folder)
            checked_partials = True
    assert interrupted_saves >= 1, "no kill landed inside a save"
    print(f"{interrupted_saves} of {kills} kills landed inside a save")

    finish = run(["train", "--resume", "run/last.npz"], cwd=tmp_path, env=env)
    assert finish.returncode == 0, finish.stderr
    assert not _partials(folder)  # the resumed run cleared the debris
    ours, theirs = _arrays(last), _arrays(tmp_path / "reference" / "last.npz")
    assert sorted(ours) == sorted(theirs)
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)

