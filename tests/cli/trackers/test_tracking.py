"""What every tracker shares: train.log_to and --log-to, the line naming a missing extra before
any training, trackers that join late catching up, and other logs of the run (diagnostics)
reaching the trackers through the same hook."""
import importlib.util
import json
import signal

import pytest
from cli_helpers import TINY, one_line
from tracker_helpers import assert_same_series, expected_series

from simplegrad_cli.trackers import extras as tracker_extras


def _missing(*modules):
    """importlib.util.find_spec as if `modules` were not installed."""
    real = importlib.util.find_spec
    return lambda name, *args: None if name in modules else real(name, *args)


@pytest.mark.parametrize("args, config, expected", [
    (["--log-to", "mlflow"], TINY,
     '--log-to: train.log_to.0: mlflow needs the mlflow package, which is not installed: pip '
     'install "simplegrad[mlflow]"'),
    ([], TINY + "  log_to: [tensorboard, mlflow]\n",
     'tiny.yaml:14: train.log_to.1: mlflow needs the mlflow package, which is not installed: '
     'pip install "simplegrad[mlflow]"'),
])
def test_a_missing_extra_is_one_line_before_training(cli, write_config, workdir, monkeypatch,
                                                     args, config, expected):
    monkeypatch.setattr(importlib.util, "find_spec", _missing("mlflow"))
    result = cli("train", write_config(config), *args)
    assert result.exit_code == 2
    assert one_line(result) == expected
    assert not (workdir / "runs").exists()


def test_a_sweep_names_the_missing_extra_before_any_trial(cli, tiny_yaml, sweep_file, workdir,
                                                          monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", _missing("wandb"))
    sweep_file("config: tiny.yaml\nspace:\n  optimizer.lr: {loguniform: [0.001, 0.1]}\n")
    result = cli("sweep", "s.yaml", "--log-to", "wandb")
    assert result.exit_code == 2
    assert one_line(result) == '--log-to: wandb needs the wandb package, which is not ' \
                               'installed: pip install "simplegrad[wandb]"'
    assert not (workdir / "sweeps").exists()


@pytest.mark.parametrize("value, expected", [
    ("tensorbord", "unknown tracker 'tensorbord'; did you mean 'tensorboard'? (valid: "
                   "tensorboard, mlflow, wandb)"),
    ("mlflow,comet", "unknown tracker 'comet'; expected one of: tensorboard, mlflow, wandb"),
])
def test_log_to_names_are_checked(cli, write_config, value, expected):
    result = cli("train", write_config(), "--log-to", value)
    assert result.exit_code == 2
    assert one_line(result) == f"simplegrad train: error: Invalid value for --log-to: " \
                               f"{expected} (see 'simplegrad train --help')"


def test_log_to_on_the_command_line_replaces_the_config(cli, write_config):
    config = write_config(TINY + "  log_to: [tensorboard]\n")
    for args, expected in [([], ["tensorboard"]), (["--log-to", "none"], []),
                           (["--log-to", "wandb", "--log-to", "mlflow,wandb"],
                            ["wandb", "mlflow"])]:
        result = cli("train", config, *args, "--print-config", "--json")
        assert json.loads(result.stdout)["train"]["log_to"] == expected


@pytest.mark.parametrize("out", [None, "runs/copy"])
def test_a_tracker_that_joins_late_catches_up(cli, write_config, workdir, signals_after_step,
                                              out):
    """A run trained without a tracker, resumed with one (into its own folder, or into a new
    one): the tracker gets the whole history, then the rest."""
    pytest.importorskip("tensorboard")
    signals_after_step(12, signal.SIGINT)
    assert cli("train", write_config(), "--set", "train.log_every=3").exit_code == 130
    more = ["--out", out] if out else []
    result = cli("train", "--resume", "runs/tiny/last.npz", "--log-to", "tensorboard", *more)
    assert result.exit_code == 0, result.stderr
    run_dir = workdir / (out or "runs/tiny")
    from test_tensorboard import _events
    assert_same_series(_events(run_dir)[0], expected_series(run_dir))
    assert _events(run_dir)[0]["loss"][0][0] == 3


def test_each_tracker_is_an_extra_and_the_test_extra_has_them_all():
    import tomllib
    from pathlib import Path

    from simplegrad_cli.config.schema import TRACKERS

    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    for kind in TRACKERS:
        assert extras[kind] and set(extras[kind]) <= set(extras["test"]), kind
        names = [requirement.split(">")[0].lower() for requirement in extras[kind]]
        assert tracker_extras.PACKAGES[kind].lower() in names
