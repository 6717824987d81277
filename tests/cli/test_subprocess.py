"""The installed `simplegrad` command, run as a real process: exit codes, signals, start-up."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cli_helpers import TINY
from simplegrad_command import SIMPLEGRAD


LONG = TINY.replace("n_samples: 200", "n_samples: 6000").replace("epochs: 2", "epochs: 12") \
    .replace("  - relu\n", "  - relu\n  - dropout: {p: 0.2}\n")


def run(*args, cwd):
    return subprocess.run([*SIMPLEGRAD, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_version_and_help(tmp_path):
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("simplegrad ")
    for command in ([], ["train"], ["eval"], ["gradcheck"], ["validate"], ["info"]):
        result = run(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "Usage: simplegrad" in result.stdout
        assert "xample" in result.stdout  # every command shows an example


def test_train_eval_info_flow(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    train = run("train", "tiny.yaml", "--json", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    summary = json.loads(train.stdout)
    assert summary["best_checkpoint"] == "runs/tiny/best.npz"
    assert "\x1b" not in train.stderr  # not a terminal: plain lines
    evaluation = run("eval", "runs/tiny/best.npz", "--json", cwd=tmp_path)
    assert evaluation.returncode == 0 and json.loads(evaluation.stdout)["samples"] == 200
    info = run("info", "runs/tiny/best.npz", "--json", cwd=tmp_path)
    assert info.returncode == 0 and json.loads(info.stdout)["epoch"] == summary["best_epoch"]
    gate = run("eval", "runs/tiny/best.npz", "--min-accuracy", "1", cwd=tmp_path)
    assert gate.returncode == 1 and len(gate.stderr.splitlines()) == 1


@pytest.mark.parametrize("args, code", [
    (["train", "nope.yaml"], 2), (["train", "tiny.yaml", "--bogus"], 2), (["eval"], 2),
    (["info", "tiny.yaml"], 2), (["validate", "tiny.yaml", "--set", "seed=-1"], 2),
])
def test_errors_are_one_line_with_exit_codes(tmp_path, args, code):
    (tmp_path / "tiny.yaml").write_text(TINY)
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def _interrupted_run(tmp_path, signum, after):
    """Start training, send `signum` once `after` appears on stderr; returns (code, stderr)."""
    process = subprocess.Popen([*SIMPLEGRAD, "train", "long.yaml", "--out", "part"], cwd=tmp_path,
                               stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if after in line:
            process.send_signal(signum)
            break
    lines += process.stderr.readlines()
    return process.wait(timeout=120), "".join(lines)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_then_resume_equals_an_uninterrupted_run(tmp_path, signum, code):
    (tmp_path / "long.yaml").write_text(LONG)
    assert run("train", "long.yaml", "--out", "full", cwd=tmp_path).returncode == 0
    returncode, stderr = _interrupted_run(tmp_path, signum, "epoch 2/12")
    assert returncode == code, stderr
    assert "saved part/last.npz" in stderr.splitlines()[-1]
    resumed = run("train", "--resume", "part/last.npz", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    with np.load(tmp_path / "full/last.npz") as a, np.load(tmp_path / "part/last.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            if key != "metadata":
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_sigkill_during_training_keeps_a_readable_checkpoint(tmp_path):
    (tmp_path / "long.yaml").write_text(LONG.replace("epochs: 12", "epochs: 200"))
    process = subprocess.Popen([*SIMPLEGRAD, "train", "long.yaml", "--out", "part"], cwd=tmp_path,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if "epoch 4/" in line:  # printed before epoch 4's save, after epoch 3's
            break
    time.sleep(0.05)  # maybe inside epoch 4's save, maybe in epoch 5
    process.kill()
    process.wait(timeout=60)
    left = sorted(os.listdir(tmp_path / "part"))
    assert {"last.npz", "best.npz", "metrics.jsonl", "config.yaml"} <= set(left)
    info = run("info", "part/last.npz", "--json", cwd=tmp_path)
    assert info.returncode == 0 and json.loads(info.stdout)["epoch"] >= 3
    resumed = run("train", "--resume", "part/last.npz", "--epochs", "5", "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["epochs"] == 5


def test_startup_does_not_import_heavy_libraries(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    code = ("import sys\nfrom simplegrad_cli.main import app\n"
            "try:\n    app(['validate', 'tiny.yaml'])\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code\n"
            "print(sorted(m for m in ('datasets', 'torch', 'pandas', 'pyarrow') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
