"""configs/digits.yaml trains on the real digits bundled in the package, through the CLI, with
no network, and reaches a real test accuracy after one epoch."""
import json
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def test_digits_config_reaches_90_percent_test_accuracy_in_one_epoch(cli, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the bundled data needs no hub
    result = cli("train", CONFIGS / "digits.yaml", "--epochs", "1", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["metric"] == "val_accuracy" and summary["best"] >= 0.9, summary
    result = cli("eval", "runs/digits/best.npz", "--json", "--min-accuracy", "0.9")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["source"] == "builtin:digits" and report["split"] == "test"
    assert report["samples"] == 2000 and report["accuracy"] >= 0.9, report


def test_digits_cnn_config_validates(cli):
    result = cli("validate", CONFIGS / "digits_cnn.yaml")
    assert result.exit_code == 0, result.stdout + result.stderr
