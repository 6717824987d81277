"""Credentials are never shown or recorded: URL passwords and password-like parameters are
masked in error lines, `--json` errors, tables and lock files (which only their owner reads)."""
import json
import os
import stat
import sys

import pytest

from simplegrad_cli.redact import redact
from simplegrad_cli.run.run_folder import RunFolder


@pytest.mark.parametrize("text, secret", [
    ("postgresql://me:pw1@host:5432/db", "pw1"),
    ("postgresql+psycopg://me@host/db?password=pw2&sslmode=require", "pw2"),
    ("postgresql://me@host/db?sslmode=require&sslpassword=pw3", "pw3"),
    ("host=db user=me password=pw4 dbname=x", "pw4"),
    ("https://x.org/data.csv?token=pw5", "pw5"),
    ("--storage mysql://root:pw6@127.0.0.1/optuna --json", "pw6"),
    ("PASSWORD = pw7", "pw7"),
    ("https://x.org/?api_key=pw8&client_secret=pw9", "pw9"),
])
def test_redact_masks_each_credential_form(text, secret):
    shown = redact(text)
    assert secret not in shown and "***" in shown
    assert redact(shown) == shown  # masking twice changes nothing


@pytest.mark.parametrize("text", [
    "postgresql://me@host/db", "lr=0.001 passed: 3 of 3", "runs/tiny/best.npz",
    "user@example.org", "--set optimizer.lr=3e-4", "max_tokens_per_batch 5",
])
def test_redact_leaves_other_text_alone(text):
    assert redact(text) == text


def test_storage_password_in_a_query_is_masked_in_the_line_and_the_json(cli, write_config):
    url = "postgresql://me@127.0.0.1:1/db?password=hunter2&sslpassword=hunter3"
    result = cli("sweep", write_config(), "--search", "optimizer.lr=loguniform:1e-3:1e-1",
                 "--storage", url, "--join", "--json")
    assert result.exit_code == 2
    assert "hunter" not in result.stderr and "hunter" not in result.stdout
    assert "password=***" in result.stderr
    assert "sslpassword=***" in json.loads(result.stdout)["error"]


def test_lock_file_is_private_and_holds_no_password(workdir, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["simplegrad", "sweep", "s.yaml", "--storage",
                                      "postgresql://me:hunter2@db/x?password=hunter3"])
    folder = RunFolder(workdir / "sweep")
    os.makedirs(folder.path)
    folder.lock()
    try:
        lock = os.path.join(folder.path, ".lock")
        assert stat.S_IMODE(os.stat(lock).st_mode) == 0o600
        text = open(lock).read()
        assert "hunter" not in text and "me:***@db" in text and "password=***" in text
    finally:
        folder.unlock()


def test_the_in_use_refusal_masks_a_lock_written_by_an_older_version(workdir):
    folder = RunFolder(workdir / "sweep")
    os.makedirs(folder.path)
    lock = os.path.join(folder.path, ".lock")
    with open(lock, "w") as handle:  # held by another open file description
        handle.write("pid 1 on host (simplegrad sweep --storage postgresql://a:hunter2@h/d)\n")
        handle.flush()
        import fcntl
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(Exception) as refused:
            RunFolder(folder.path).lock()
    assert "hunter2" not in str(refused.value) and "a:***@h" in str(refused.value)


@pytest.mark.parametrize("key, value", [
    ("train.mlflow.tracking_uri", "http://me:s3cret@mlflow.example:5000"),
    ("data.source", "https://example.org/d.csv?token=s3cret"),
    ("train.wandb.entity", "team password=s3cret")])
def test_a_config_value_with_a_password_is_refused_and_never_stored(cli, write_config, workdir,
                                                                    key, value):
    """A run keeps its config (config.yaml, checkpoints) and sends it to trackers: credentials
    belong in the environment. The refusal names the key and masks the secret."""
    for command in ("validate", "train"):
        result = cli(command, write_config(), "--set", f"{key}={value}", "--json")
        assert result.exit_code == 2
        error = json.loads(result.stdout)["error"] if result.stdout else result.stderr
        assert "s3cret" not in result.stdout + result.stderr
        assert key in str(error) and "holds a password or token" in str(error)
    assert not (workdir / "runs").exists()
