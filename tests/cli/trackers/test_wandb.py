"""Weights & Biases, offline (no network): the run files under RUN/wandb hold the config, every
metric of metrics.jsonl at its step and the checkpoints; a resumed run continues the same W&B
run and never logs a step twice; a sweep's trial joins the sweep's group."""
import json
import signal

import pytest
from tracker_helpers import assert_same_series, expected_series
from wandb_records import offline_runs

from simplegrad_cli.trackers import group

pytestmark = pytest.mark.usefixtures("wandb_offline")
LOG_EVERY = ("--set", "train.log_every=3")


def _series(runs):
    """{metric: [(step, value)...]} over the history rows of offline runs, in order."""
    series = {}
    for run in runs:
        for row in run.history:
            for name, value in row.items():
                if not name.startswith("_"):
                    series.setdefault(name, []).append((row["_step"], value))
    return series


def test_a_run_holds_the_config_metrics_and_checkpoints(cli, write_config, workdir):
    result = cli("train", write_config(), "--log-to", "wandb", *LOG_EVERY, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("{")  # W&B prints nothing of its own on stdout
    run_dir = workdir / "runs" / "tiny"
    (run,) = offline_runs(run_dir)
    assert f"wandb: offline run {run.run.run_id}; upload it with: wandb sync runs/tiny/wandb/" \
           in result.stderr
    assert (run.run.project, run.run.display_name) == ("tiny", "tiny")
    assert run.config["optimizer.lr"] == 0.01 and run.config["model.0.linear.out"] == 16
    assert run.config["data.source"] == "synthetic:spirals"
    assert_same_series(_series([run]), expected_series(run_dir))
    assert run.artifacts == [["best.npz", "config.yaml", "last.npz"]]
    assert run.exit_code == 0


def test_a_resumed_run_is_the_same_wandb_run(cli, write_config, workdir, signals_after_step):
    signals_after_step(7, signal.SIGINT)
    assert cli("train", write_config(), "--log-to", "wandb", *LOG_EVERY).exit_code == 130
    run_dir = workdir / "runs" / "tiny"
    result = cli("train", "--resume", run_dir / "last.npz")
    assert result.exit_code == 0, result.stderr
    first, second = offline_runs(run_dir)
    assert first.run.run_id == second.run.run_id
    assert first.artifacts == [] and first.exit_code != 0  # interrupted: no checkpoint sent
    assert second.artifacts == [["best.npz", "config.yaml", "last.npz"]]
    assert [row["_step"] for row in first.history] == [3, 6]
    assert_same_series(_series([first, second]), expected_series(run_dir))


def test_a_sweep_trial_joins_the_sweeps_group(cli, write_config, workdir, monkeypatch):
    """A trial finds its sweep's group in the environment `simplegrad sweep` starts it with
    (test_mlflow.py runs a sweep); its W&B run joins the group named after the study."""
    monkeypatch.setenv(group.ENV, json.dumps({"name": "grouped", "mlflow_parent_run_id": None}))
    result = cli("train", write_config(), "--log-to", "wandb")
    assert result.exit_code == 0, result.stderr
    (run,) = offline_runs(workdir / "runs" / "tiny")
    assert run.run.run_group == "grouped"
