"""`simplegrad compare` on the config.yaml files of real and hand-edited runs: odd values are one
line (exit code 2), the JSON report has null where a run lacks a key, and the config
differences follow the layers' order."""
import json

import pytest
from cli_helpers import one_line


@pytest.fixture
def run(cli, write_config):
    """runs/tiny, trained for 2 epochs."""
    assert cli("train", write_config()).exit_code == 0
    return "runs/tiny"


@pytest.mark.parametrize("edit, expected", [
    ("train: [1, 2]\n", "'train': expected a mapping, got [1, 2]"),
    ("train: {metric: 5}\n", "'train.metric': expected a metric name, got 5"),
    ("[1, 2]\n", "expected a mapping of config keys, got [1, 2]"),
])
def test_an_odd_config_yaml_is_one_line(cli, run, workdir, edit, expected):
    (workdir / run / "config.yaml").write_text(edit)
    result = cli("compare", run)
    assert result.exit_code == 2
    assert one_line(result) == f"{run}/config.yaml: {expected}"


@pytest.fixture
def deeper(cli, run, write_config):
    """runs/deeper: runs/tiny's model with one more hidden layer (and 3 epochs)."""
    result = cli("train", write_config(), "--out", "runs/deeper", "--epochs", "3",
                 "--set", "model.2.linear.out=8", "--set", "model.3=relu",
                 "--set", "model.4={linear: {out: 3}}")
    assert result.exit_code == 0, result.stderr
    return "runs/deeper"


def test_a_key_one_run_lacks_is_null_in_json_and_the_keys_follow_the_layers(cli, run, deeper):
    result = cli("compare", run, deeper, "--json")
    assert result.exit_code == 0, result.stderr
    differences = json.loads(result.stdout)["config_differences"]
    assert list(differences.items()) == [
        ("model.2.linear.out", [3, 8]), ("model.3", [None, "relu"]),
        ("model.4.linear.in", [None, 8]), ("model.4.linear.out", [None, 3]),
        ("model.4.linear.bias", [None, True]), ("train.epochs", [2, 3]),
        ("train.out", [None, "runs/deeper"])]
    lines = cli("compare", run, deeper).stdout.splitlines()
    assert lines[lines.index("config differences") + 1:] == [
        "model.2.linear.out: 3 | 8", "model.3: - | relu", "model.4.linear.in: - | 8",
        "model.4.linear.out: - | 3", "model.4.linear.bias: - | true", "train.epochs: 2 | 3",
        "train.out: null | runs/deeper"]
