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
