"""`simplegrad gradcheck`: library ops and layers, one config's model, failures exit 1."""
import json

import numpy as np

from cli_helpers import one_line
from simplegrad_cli.commands import gradcheck as gradchecks
from wrong_ops import WrongSquare


def test_every_library_check_passes(cli):
    result = cli("gradcheck", "--json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    names = {(row["name"], row["kind"]) for row in report["checks"]}
    assert report["passed"] and not report["failed"]
    assert {("matmul", "op"), ("conv2d", "op"), ("cross_entropy", "op"), ("linear", "layer"),
            ("batch_norm2d", "layer"), ("dropout", "layer")} <= names
    assert all(row["elements"] > 0 and row["max_abs_err"] < 1e-5 for row in report["checks"])


def test_op_selection_and_table(cli):
    """A name selects the op and the layer a config writes that way (the config's names)."""
    result = cli("gradcheck", "--op", "conv2d", "--op", "batch_norm2d")
    assert result.exit_code == 0
    rows = [line.replace("│", " ").split()[:2] for line in result.stdout.splitlines()
            if line.startswith(("conv2d", "batch_norm2d"))]
    assert rows == [["conv2d", "op"], ["conv2d", "layer"], ["batch_norm2d", "layer"]]
    assert all(line.rstrip().endswith("ok") for line in result.stdout.splitlines()[3:])
    assert result.stderr == "3 of 3 checks passed\n"
    result = cli("gradcheck", "--op", "BatchNorm2d")  # the class name: not a config name
    assert result.exit_code == 2
    assert one_line(result).startswith("--op BatchNorm2d: unknown op or layer; did you mean "
                                       "'batch_norm2d'?")


def test_unknown_op_is_a_usage_error(cli):
    result = cli("gradcheck", "--op", "convv2d")
    assert result.exit_code == 2
    assert one_line(result).startswith("--op convv2d: unknown op or layer; did you mean "
                                       "'conv2d'?")


def test_a_wrong_gradient_fails_with_exit_1(cli, monkeypatch):
    cases = gradchecks._op_cases
    monkeypatch.setattr(gradchecks, "_op_cases", lambda: cases() + [
        ("bad_square", lambda x: WrongSquare.apply(x), [np.linspace(0.5, 1.5, 6)])])
    result = cli("gradcheck", "--op", "bad_square", "--op", "exp", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["failed"] == ["bad_square"] and not report["passed"]


def test_gradcheck_of_a_config_model(cli, write_config):
    text = open(write_config()).read().replace("  - relu\n", "  - tanh\n  - dropout: {p: 0.2}\n")
    result = cli("gradcheck", write_config(text, "drop.yaml"), "--json")
    assert result.exit_code == 0, result.stderr
    names = [row["name"] for row in json.loads(result.stdout)["checks"]]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias"]
