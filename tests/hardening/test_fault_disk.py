"""An output folder that cannot be written, and a disk that fills up or turns read-only
during training.

What can be known before training (the folder cannot be created or written, too little free
space) stops the run with exit code 2 before the first epoch. A failure at save time stops it
with exit code 1 and one clear line, and the previous checkpoints stay byte for byte intact.
Tests run as root, where chmod does not stop writes, so the failures are made differently:
an output path below a regular file, and OSErrors injected into the save.
"""
import errno
import os
from collections import namedtuple

import numpy as np
import pytest

from hardening_helpers import TINY, error_line, invoke
from simplegrad.checkpoint import load_checkpoint

DISK_FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
READ_ONLY = OSError(errno.EROFS, os.strerror(errno.EROFS))


@pytest.fixture
def config(workdir):
    (workdir / "tiny.yaml").write_text(TINY.replace("epochs: 2", "epochs: 4"))
    return "tiny.yaml"


def _no_epoch_started(result):
    assert result.exit_code == 2
    assert not any(line.startswith(("epoch", "training")) for line in result.stderr.splitlines())
    return error_line(result.stderr)


def test_out_folder_below_a_file(workdir, config):
    line = _no_epoch_started(invoke("train", config, "--out", f"{config}/run"))
    assert line == (f"{config}/run: cannot write there ({workdir / config} is not a writable "
                    "folder); choose another --out")


def test_out_folder_not_writable(workdir, config, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as for a user without rights
    line = _no_epoch_started(invoke("train", config, "--out", "locked/run"))
    assert line == (f"locked/run: cannot write there ({workdir} is not a writable folder); "
                    "choose another --out")
    assert not (workdir / "locked").exists()


def test_too_little_free_space_is_known_before_training(workdir, config, monkeypatch):
    import shutil

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5000, 5000))
    line = _no_epoch_started(invoke("train", config, "--out", "run"))
    assert line.startswith("run: only 0.0 MB free, but checkpoints need about ")
    assert line.endswith("MB; free some space or choose another --out")


@pytest.fixture
def failing_save(monkeypatch):
    """failing_save(n, error, where): the n-th checkpoint save raises `error`, either half-way
    through writing the temp file ("write") or when opening it ("open"). Returns a dict that
    gets the bytes of last.npz and best.npz as they were just before that save."""
    import simplegrad.atomic as atomic
    import simplegrad.checkpoint as checkpoint

    real_atomic_savez, real_savez, real_open = checkpoint.atomic_savez, np.savez, open
    plan, before = {"calls": 0}, {}

    def atomic_savez(path, arrays):  # count the saves; remember the files before the n-th
        plan["calls"] += 1
        plan["now"] = plan["calls"] == plan["n"]
        if plan["now"]:
            folder = os.path.dirname(path)
            before.update({name: real_open(os.path.join(folder, name), "rb").read()
                           for name in ("last.npz", "best.npz")})
        return real_atomic_savez(path, arrays)

    def savez(file, **arrays):  # half a file, then the disk is full
        if plan["now"] and plan["where"] == "write":
            file.write(b"PK\x03\x04 half a checkpoint")
            raise plan["error"]
        return real_savez(file, **arrays)

    def open_(path, mode="r", *args, **kwargs):  # the file system has turned read-only
        if plan.get("now") and plan["where"] == "open" and str(path).endswith(".partial"):
            raise plan["error"]
        return real_open(path, mode, *args, **kwargs)

    def arm(n, error, where):
        plan.update(n=n, error=error, where=where)
        monkeypatch.setattr(checkpoint, "atomic_savez", atomic_savez)
        monkeypatch.setattr(checkpoint.np, "savez", savez)
        monkeypatch.setattr(atomic, "open", open_, raising=False)
        return before
    return arm


@pytest.mark.parametrize("error, where", [(DISK_FULL, "write"), (READ_ONLY, "open")],
                         ids=["disk-full-while-writing", "read-only-at-open"])
def test_failing_save_stops_with_the_previous_checkpoints_intact(workdir, config, failing_save,
                                                                  error, where):
    before = failing_save(3, error, where)  # epoch 1 saved best.npz and last.npz; then fail
    result = invoke("train", config, "--out", "run")
    assert result.exit_code == 1
    line = result.stderr.splitlines()[-1]
    assert ": cannot write: " + error.strerror + "; training stopped after step 20; the " \
        "previous run/" in line
    assert line.endswith(".npz is intact")
    for name in ("last.npz", "best.npz"):
        assert (workdir / "run" / name).read_bytes() == before[name], name
    assert load_checkpoint(workdir / "run" / "last.npz").metadata["epoch"] == 1
    assert sorted(os.listdir(workdir / "run")) == ["best.npz", "config.yaml", "last.npz",
                                                   "metrics.jsonl"]  # no temp file left


def test_resume_after_a_failed_save(workdir, config, failing_save):
    failing_save(3, DISK_FULL, "write")  # only the third save fails: then there is room again
    assert invoke("train", config, "--out", "run").exit_code == 1
    resumed = invoke("train", "--resume", "run/last.npz")
    assert resumed.exit_code == 0, resumed.stderr
    assert load_checkpoint(workdir / "run" / "last.npz").metadata["epoch"] == 4


def test_metrics_file_that_cannot_be_written(workdir, config, monkeypatch):
    import simplegrad_cli.run.metrics_log as metrics_log

    real_open = open

    def open_(path, mode="r", *args, **kwargs):
        if str(path).endswith("metrics.jsonl") and "a" in mode:
            raise DISK_FULL
        return real_open(path, mode, *args, **kwargs)
    monkeypatch.setattr(metrics_log, "open", open_, raising=False)
    result = invoke("train", config, "--out", "run")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("run/metrics.jsonl: cannot write: No space left "
                                              "on device")
