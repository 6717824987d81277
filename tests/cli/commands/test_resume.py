"""`train --resume`: one writer per run folder, nothing touched when there is nothing to do, a
changed setting refused before any data is read, and a summary that counts the whole run."""
import json
import os

import numpy as np
import pytest
from cli_helpers import TINY, one_line

NPZ_CONFIG = TINY.replace("source: synthetic:spirals", "source: points.npz") \
    .replace("  options: {n_samples: 200, noise: 0.1, num_classes: 3}\n", "")


@pytest.fixture
def trained(cli, write_config):
    """runs/tiny after 3 epochs."""
    assert cli("train", write_config(), "--epochs", "3").exit_code == 0
    return "runs/tiny"


def test_a_second_resume_while_the_first_trains_is_refused(cli, trained):
    from simplegrad_cli.run.run_folder import RunFolder

    first = RunFolder(trained)
    first.lock()  # what a training `simplegrad train --resume` holds
    try:
        result = cli("train", "--resume", f"{trained}/last.npz", "--epochs", "5")
        assert result.exit_code == 2
        assert one_line(result).startswith(f"{trained}: in use by pid {os.getpid()} on ")
    finally:
        first.unlock()
    with open(f"{trained}/.lock", "w") as stale:  # left by a killed run: no process holds it
        stale.write("pid 999999999 on elsewhere (simplegrad train tiny.yaml)\n")
    result = cli("train", "--resume", f"{trained}/last.npz", "--epochs", "4")
    assert result.exit_code == 0, result.stderr
    assert not os.path.exists(f"{trained}/.lock")


@pytest.mark.parametrize("out", [None, "elsewhere"])
def test_nothing_to_do_writes_nothing(cli, trained, workdir, out):
    before = {name: (workdir / trained / name).read_bytes()
              for name in os.listdir(workdir / trained)}
    args = ["train", "--resume", f"{trained}/last.npz", "--epochs", "1", "--json"]
    result = cli(*args, *(["--out", out] if out else []))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"nothing to do: {trained}/last.npz has already trained 3 epochs (--epochs 1); give "
        "--epochs N above 3 to train longer"]
    assert json.loads(result.stdout)["epochs"] == 3
    after = {name: (workdir / trained / name).read_bytes()
             for name in os.listdir(workdir / trained)}
    assert after == before  # config.yaml still says epochs: 3
    assert out is None or not (workdir / out).exists()


def test_a_changed_setting_is_refused_before_the_data_is_read(cli, write_config, workdir):
    rng = np.random.default_rng(0)
    np.savez(workdir / "points.npz", x=rng.normal(size=(40, 2)).astype(np.float32),
             y=np.arange(40) % 3)
    config = write_config(NPZ_CONFIG)
    assert cli("train", config).exit_code == 0
    (workdir / "points.npz").unlink()  # reading the data now fails: it must not be tried
    result = cli("train", config, "--resume", "runs/tiny/last.npz", "--set",
                 "optimizer.lr=0.1")
    assert result.exit_code == 2
    assert one_line(result).startswith("--set: optimizer.lr: differs from the checkpoint's "
                                       "config")
    result = cli("train", "--resume", "runs/tiny/last.npz", "--set", "model.0.linear.out=8")
    assert result.exit_code == 2
    assert one_line(result).startswith("--set: model.0.linear.out: differs from the "
                                       "checkpoint's config")


def test_the_summary_of_a_resumed_run_counts_every_epoch(cli, write_config, workdir):
    config = write_config()
    assert cli("train", config).exit_code == 0
    result = cli("train", "--resume", "runs/tiny/last.npz", "--epochs", "4")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in open(workdir / "runs/tiny/metrics.jsonl")]
    seconds = sum(r["time_s"] for r in records if r["type"] == "epoch")
    best = next(line for line in result.stderr.splitlines() if line.startswith("best "))
    assert best.endswith(f"; 4 epochs in {seconds:.1f}s (2 in this run)")


def test_the_summary_names_the_next_command(cli, write_config):
    result = cli("train", write_config())
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == "next: simplegrad eval runs/tiny/best.npz"
    result = cli("train", write_config(), "--out", "no-test", "--set", "data.test_split=null")
    assert result.stderr.splitlines()[-1] == "next: simplegrad eval no-test/best.npz --split val"
