"""Data loss: nothing a train or resume does can clobber another run's files or the
config being trained, and a run folder has one writer at a time."""
import json
import os
import signal
import subprocess
import time

from simplegrad.checkpoint import load_checkpoint

from hardening_helpers import TINY, error_line, invoke, offline_env
from simplegrad_command import SIMPLEGRAD

ALL_RUN_FILES = ["best.npz", "config.yaml", "last.npz", "metrics.jsonl"]


def _snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def _train(workdir, out, *extra):
    (workdir / "tiny.yaml").write_text(TINY)
    result = invoke("train", "tiny.yaml", "--out", out, *extra)
    assert result.exit_code == 0, result.stderr
    return result


# ---- resume into a folder follows the rules of a fresh train into it -------------------------
def test_resume_into_a_folder_holding_another_run_is_refused_and_changes_nothing(workdir):
    _train(workdir, "a")
    _train(workdir, "b", "--seed", "7")
    before = _snapshot(workdir / "b")

    result = invoke("train", "--resume", "a/last.npz", "--out", "b", "--epochs", "3")
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert line.startswith("b: already holds a run"), line
    assert "--overwrite" in line
    assert _snapshot(workdir / "b") == before


def test_resume_into_another_run_with_overwrite_replaces_it_entirely(workdir):
    _train(workdir, "a", "--epochs", "1")
    _train(workdir, "b", "--seed", "7", "--epochs", "2")  # b's best.npz would not be a's
    result = invoke("train", "--resume", "a/last.npz", "--out", "b", "--epochs", "2",
                    "--overwrite", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    epochs = [json.loads(line)["epoch"] for line in open("b/metrics.jsonl")
              if json.loads(line)["type"] == "epoch"]
    assert epochs == [1, 2]  # a's epoch 1, then the resumed epoch 2: nothing of b's run
    assert load_checkpoint("b/best.npz").metadata["config"]["seed"] == 0  # a's run, not b's
    assert summary["best_checkpoint"] == "b/best.npz"


def test_resume_into_a_new_folder_reports_a_best_checkpoint_that_exists_there(workdir):
    _train(workdir, "a", "--epochs", "2")
    result = invoke("train", "--resume", "a/last.npz", "--out", "c", "--epochs", "2", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)  # nothing left to train: nothing is written
    assert summary["best_checkpoint"] == "a/best.npz" and not (workdir / "c").exists()
    best = load_checkpoint("a/best.npz").metadata["epoch"]
    result = invoke("train", "--resume", "a/last.npz", "--out", "c", "--epochs", "3", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)  # a's best is carried over unless epoch 3 beats it
    assert summary["best_checkpoint"] == "c/best.npz"
    assert load_checkpoint("c/best.npz").metadata["epoch"] == summary["best_epoch"]
    assert summary["best_epoch"] in (best, 3)
    kept = [line for line in open("c/metrics.jsonl") if '"epoch": 3,' not in line]
    ended = [line for line in open("a/metrics.jsonl") if '"type": "end"' in line]
    assert "".join(kept) == "".join(line for line in open("a/metrics.jsonl")
                                    if line not in ended)  # a's end record: c went on


def test_overwrite_is_refused_when_the_resume_continues_its_own_folder(workdir):
    _train(workdir, "a", "--epochs", "1")
    before = _snapshot(workdir / "a")
    for out in (["--out", "a"], ["--out", "./a/"], []):
        result = invoke("train", "--resume", "a/last.npz", "--epochs", "2", "--overwrite", *out)
        assert result.exit_code == 2, result.stderr
        assert "cannot be combined with --resume into the checkpoint's own folder" in \
            error_line(result.stderr)
        assert _snapshot(workdir / "a") == before


# ---- never overwrite the input config ---------------------------------------------------------
def test_overwrite_never_replaces_the_config_being_trained(workdir):
    _train(workdir, "d")
    (workdir / "d/config.yaml").write_text(TINY)  # the user trains the run's config again
    before = _snapshot(workdir / "d")
    for args in (["d/config.yaml", "--out", "d", "--overwrite"],
                 ["d/config.yaml", "--out", "d/.", "--overwrite"],
                 ["d/config.yaml", "--resume", "d/last.npz"]):
        result = invoke("train", *args)
        assert result.exit_code == 2, (args, result.stderr)
        line = error_line(result.stderr)
        assert line.startswith("d/config.yaml: is the config being trained"), line
        assert _snapshot(workdir / "d") == before


def test_a_hard_link_to_the_input_config_is_the_input_config(workdir):
    (workdir / "tiny.yaml").write_text(TINY)
    os.makedirs("e")
    os.link("tiny.yaml", "e/config.yaml")
    result = invoke("train", "tiny.yaml", "--out", "e", "--overwrite")
    assert result.exit_code == 2
    assert "is the config being trained" in error_line(result.stderr)
    assert (workdir / "tiny.yaml").read_text() == TINY


# ---- one writer per run folder -----------------------------------------------------------------
def _start_long_run(workdir):
    """A real `simplegrad train` into long/ that runs until stopped, once it has saved."""
    (workdir / "tiny.yaml").write_text(TINY)
    process = subprocess.Popen([*SIMPLEGRAD, "train", "tiny.yaml", "--out", "long", "--epochs",
                                "100000"], cwd=workdir, env=offline_env(workdir),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (workdir / "long/last.npz").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    return process


def test_resume_while_the_original_still_trains_is_refused_naming_it(workdir):
    process = _start_long_run(workdir)
    try:
        for args in (["--resume", "long/last.npz", "--epochs", "1"],
                     ["tiny.yaml", "--out", "long", "--overwrite"]):
            result = invoke("train", *args)
            assert result.exit_code == 2, result.stderr
            line = error_line(result.stderr)
            assert line.startswith(f"long: in use by pid {process.pid} on "), line
            assert "simplegrad train tiny.yaml --out long --epochs 100000" in line
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert sorted(os.listdir(workdir / "long")) == ALL_RUN_FILES  # the lock file is gone
    steps = [json.loads(line)["step"] for line in open(workdir / "long/metrics.jsonl")]
    assert steps == sorted(steps)  # one writer: no duplicated records


def test_a_lock_left_by_a_killed_run_is_recovered(workdir):
    process = _start_long_run(workdir)
    process.kill()
    process.communicate(timeout=60)
    assert (workdir / "long/.lock").exists()  # left behind, but nobody holds it
    result = invoke("train", "--resume", "long/last.npz", "--epochs", "1", "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(workdir / "long")) == ALL_RUN_FILES
