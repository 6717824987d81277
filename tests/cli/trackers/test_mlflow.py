"""MLflow: a run logged to a SQLite store without a server, and over HTTP to a real `mlflow
server`, read back with MlflowClient (params, metrics at their steps, artifacts); resume
continues the same MLflow run; a server that dies mid-run never stops training; a sweep's
trials are children of the sweep's run (its W&B group: test_wandb.py)."""
import json
import signal

import pytest
from tracker_helpers import MLFLOW, assert_same_series, expected_series

from simplegrad_cli.run.hooks import Hook

mlflow_tracking = pytest.importorskip("mlflow.tracking")
LOG_EVERY = ("--set", "train.log_every=3")


def _run(client, run_dir):
    """The MLflow run a run folder logged to (trackers.json names it)."""
    state = json.loads((run_dir / "trackers.json").read_text())
    return client.get_run(state["mlflow"]["run"]["run_id"])


def _series(client, run):
    return {name: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, name)]
            for name in run.data.metrics}


def _check_run(client, run_dir, status="FINISHED"):
    """The MLflow run holds the config as params and every metric of metrics.jsonl."""
    run = _run(client, run_dir)
    assert run.info.status == status
    params = run.data.params
    assert params["optimizer.lr"] == "0.01" and params["model.0.linear.out"] == "16"
    assert params["optimizer.betas"] == "[0.9, 0.999]" and params["scheduler"] == "null"
    assert params["data.source"] == "synthetic:spirals"
    assert_same_series(_series(client, run), expected_series(run_dir))
    return run


def test_a_sqlite_store_needs_no_server(cli, write_config, workdir):
    uri = f"sqlite:///{workdir}/mlflow.db"
    result = cli("train", write_config(), "--log-to", "mlflow", *LOG_EVERY, "--set",
                 f"train.mlflow.tracking_uri={uri}", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "completed"  # nothing of MLflow's on stdout
    client = mlflow_tracking.MlflowClient(uri)
    run = _check_run(client, workdir / "runs" / "tiny")
    assert client.get_experiment(run.info.experiment_id).name == "tiny"
    assert run.info.run_name == "tiny"


def test_a_run_over_http(cli, write_config, workdir, mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "http-test")
    result = cli("train", write_config(), "--log-to", "mlflow", *LOG_EVERY)
    assert result.exit_code == 0, result.stderr
    client = mlflow_tracking.MlflowClient(mlflow_server)
    run = _check_run(client, workdir / "runs" / "tiny")
    assert f"mlflow: {mlflow_server}/#/experiments/{run.info.experiment_id}/runs/" \
           f"{run.info.run_id}" in result.stderr
    assert client.get_experiment(run.info.experiment_id).name == "http-test"
    artifacts = {item.path: item.file_size for item in client.list_artifacts(run.info.run_id)}
    run_dir = workdir / "runs" / "tiny"
    assert artifacts == {name: (run_dir / name).stat().st_size
                         for name in ("best.npz", "config.yaml", "last.npz")}


def test_credentials_in_the_tracking_address_are_never_printed(cli, write_config, workdir,
                                                              mlflow_server, monkeypatch):
    """MLflow takes user:password@ in the address (basic auth); the start line masks it."""
    secret = mlflow_server.replace("http://", "http://me:s3cret-pw@")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", secret)
    result = cli("train", write_config(), "--log-to", "mlflow", "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert "mlflow: http://me:***@" in result.stderr


def test_resume_continues_the_same_mlflow_run(cli, write_config, workdir, mlflow_server,
                                              monkeypatch, signals_after_step):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    signals_after_step(7, signal.SIGINT)
    assert cli("train", write_config(), "--log-to", "mlflow", *LOG_EVERY).exit_code == 130
    client = mlflow_tracking.MlflowClient(mlflow_server)
    run_dir = workdir / "runs" / "tiny"
    first = _run(client, run_dir)
    assert first.info.status == "KILLED"
    assert not client.list_artifacts(first.info.run_id)  # interrupted: no checkpoint sent
    result = cli("train", "--resume", run_dir / "last.npz")
    assert result.exit_code == 0, result.stderr
    assert "mlflow (continued): " in result.stderr
    assert _check_run(client, run_dir).info.run_id == first.info.run_id


def test_a_sweep_logs_each_trial_as_a_child_run(run, tiny_yaml, sweep_file, workdir,
                                                mlflow_server, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    sweep_file("config: tiny.yaml\ntrials: 2\nstudy: grouped\nspace:\n"
               "  optimizer.lr: {loguniform: [0.001, 0.1]}\n")
    result = run("sweep", "s.yaml", "--log-to", "mlflow", "--json")
    assert result.returncode == 0, result.stderr
    client = mlflow_tracking.MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name("tiny")
    runs = client.search_runs([experiment.experiment_id], "tags.`simplegrad.sweep` = 'grouped'")
    (parent,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert sorted(r.info.run_name for r in children) == ["trial-0000", "trial-0001"]
    assert parent.info.status == "FINISHED" and parent.info.run_name == "grouped"
    for child in children:  # each trial's own run: its metrics.jsonl
        trial_dir = workdir / "sweeps" / "grouped" / child.info.run_name
        assert_same_series(_series(client, child), expected_series(trial_dir))


def test_a_server_that_dies_mid_run_never_stops_training(cli, write_config, workdir,
                                                         mlflow_server, monkeypatch, train_hook):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # fail at once, not in seconds

    class StopServer(Hook):
        def on_step(self, trainer, step):
            if trainer.state.step == 8:
                MLFLOW.kill()

    train_hook(StopServer())
    result = cli("train", write_config(), "--log-to", "mlflow", *LOG_EVERY, "--json")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: mlflow failed: ")
    assert warnings[0].endswith("training goes on without it (metrics.jsonl keeps every record)")
    run_dir = workdir / "runs" / "tiny"
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["type"] == "epoch"] == [10, 20]
    assert [r["step"] for r in records if r["type"] == "step"] == [3, 6, 9, 12, 15, 18]
    assert (run_dir / "last.npz").is_file() and (run_dir / "best.npz").is_file()
    assert json.loads(result.stdout)["epochs"] == 2
    # what reached MLflow is marked as logged: a resume would catch up from there
    assert json.loads((run_dir / "trackers.json").read_text())["mlflow"]["logged"] == \
        {"metrics": [6, ["epoch", "loss", "lr"]]}
