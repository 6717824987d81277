"""The sweep file and --search options: parsed into distributions, and every mistake reported
as one `FILE:LINE: key.path: ...` line (exit 2) before any trial runs or anything is written."""
import os

import pytest
from sweep_helpers import command, env

from simplegrad_cli.sweep.space import load_sweep

pytestmark = pytest.mark.usefixtures("tiny_yaml")  # every sweep trains tiny.yaml

GOOD = """\
    config: tiny.yaml
    trials: 3
    space:
      optimizer.lr: {loguniform: [1.0e-4, 1.0e-1]}
      model.0.linear.out: {choice: [8, 16]}
      data.batch_size: {int: [8, 32]}
      optimizer.weight_decay: {uniform: [0.0, 0.01]}
      train.epochs: 2
    """


def error_line(result):
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 2
    assert not os.path.exists("sweeps"), "nothing is written for a bad sweep"
    return lines[0]


def test_space_parses_into_distributions_and_settings(workdir, sweep_file):
    sweep = load_sweep(sweep_file(GOOD))
    kinds = {p.name: (p.kind, p.values) for p in sweep.params}
    assert kinds == {"optimizer.lr": ("loguniform", [1e-4, 0.1]),
                     "model.0.linear.out": ("choice", [8, 16]),
                     "data.batch_size": ("int", [8, 32]),
                     "optimizer.weight_decay": ("uniform", [0.0, 0.01])}
    assert sweep.fixed == {("train", "epochs"): 2}
    s = sweep.settings
    assert (s["metric"], s["mode"], s["study"], s["out"]) == (
        "val_accuracy", "max", "s", "sweeps/s")  # defaults from the base config and file name
    assert s["sampler"]["name"] == "tpe" and s["pruner"]["name"] == "median"
    cfg = sweep.trial_config({("optimizer", "lr"): 0.5, ("model", 0, "linear", "out"): 8})
    assert cfg.values["optimizer"]["lr"] == 0.5 and cfg.values["train"]["epochs"] == 2
    assert cfg.values["model"][0]["linear"]["out"] == 8


def test_search_options_on_a_plain_config(workdir):
    sweep = load_sweep("tiny.yaml", ["optimizer.lr=loguniform:1e-4:1e-1",
                                     "data.batch_size=choice:16,32"],
                       options=[("--trials", "trials", 7)])
    assert [(p.name, p.kind, p.values) for p in sweep.params] == [
        ("optimizer.lr", "loguniform", [1e-4, 0.1]), ("data.batch_size", "choice", [16, 32])]
    assert sweep.settings["trials"] == 7 and sweep.base_file == "tiny.yaml"


@pytest.mark.parametrize("entry,expected", [
    ("optimizer.lrr: {loguniform: [1.0e-4, 1.0e-1]}",
     "s.yaml:4: optimizer.lrr: unknown key 'lrr' for adam; did you mean 'lr'?"),
    ("model.7.linear.out: {choice: [8]}",
     "s.yaml:4: model has 3 items; index 7 is out of range"),
    ("optimizer.lr: {logunifrom: [1.0e-4, 1.0e-1]}",
     "s.yaml:4: optimizer.lr: unknown distribution 'logunifrom'; did you mean 'loguniform'?"),
    ("optimizer.lr: {loguniform: [0, 1.0e-1]}",
     "s.yaml:4: optimizer.lr: loguniform: bounds must be > 0 (a log scale), got [0, 0.1]"),
    ("optimizer.lr: {uniform: [0.1, 0.01]}",
     "s.yaml:4: optimizer.lr: uniform: low must be below high, got [0.1, 0.01]"),
    ("data.batch_size: {int: [8, 32.5]}",
     "s.yaml:4: data.batch_size: int: expected two integers [low, high], got 8 and 32.5"),
    ("data.batch_size: {choice: [0, 32]}",
     "s.yaml:4: data.batch_size: must be in [1, 1000000], got 0"),
    ("optimizer.lr: {uniform: [-1.0, 0.1]}",
     "s.yaml:4: optimizer.lr: must be "),
    ("optimizer.name: {choice: [adam, adamm]}",
     "s.yaml:4: optimizer.name: unknown name 'adamm'"),
    ("train.epochs: {choice: []}",
     "s.yaml:4: train.epochs: choice: expected a list"),
])
def test_space_mistakes_are_one_line_at_the_sweep_file_line(workdir, sweep_file, cli, entry,
                                                            expected):
    name = sweep_file(f"config: tiny.yaml\ntrials: 2\nspace:\n  {entry}\n")
    assert error_line(cli("sweep", name)).startswith(expected)


@pytest.mark.parametrize("text,expected", [
    ("config: tiny.yaml\ntrials: '5'\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "s.yaml:2: trials: expected an integer in [1, 1000000], got the string \"5\"; write the "
     "number without quotes"),
    ("config: tiny.yaml\nsampler: tpee\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "s.yaml:2: sampler.name: unknown name 'tpee'; did you mean 'tpe'?"),
    ("config: tiny.yaml\njobs: 0\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "s.yaml:2: jobs: must be in [1, 1024], got 0"),
    ("config: missing.yaml\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "missing.yaml: no such file"),
    ("config: tiny.yaml\nsampler: grid\nspace:\n  optimizer.lr: {uniform: [0.01, 0.1]}\n",
     "s.yaml:4: optimizer.lr: sampler grid needs a choice list for every searched key"),
    ("config: tiny.yaml\ntrials: 2\nspace:\n  train.epochs: 3\n",
     "s.yaml:3: space: the space has no distribution to search"),
    ("config: tiny.yaml\nmetric: val_acc\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "s.yaml:2: metric: unknown value 'val_acc'"),
    ("config: tiny.yaml\npruner: threshold\nspace: {optimizer.lr: {uniform: [0.01, 0.1]}}\n",
     "s.yaml:2: pruner: the threshold pruner needs lower or upper (or both)"),
    ("config: tiny.yaml\nspaces: {}\n", "s.yaml:2: spaces: unknown key 'spaces'; did you "
                                         "mean 'space'?"),
])
def test_settings_mistakes(workdir, sweep_file, cli, text, expected):
    line = error_line(cli("sweep", sweep_file(text)))
    assert line.endswith(expected) or line.startswith(expected), line


@pytest.mark.parametrize("search,expected", [
    ("optimizer.lr=logunif:1e-4:1", "--search: optimizer.lr: unknown distribution 'logunif'"),
    ("optimizer.lr=loguniform:1e-4", "--search: optimizer.lr: loguniform: expected [low, "
                                     "high], got 1 values"),
    ("optimizer.lr", "--search: expected KEY.PATH=DIST"),
    ("optimizer.lr=uniform:-1:0.5", "--search: optimizer.lr: must be "),
    ("optimizer..lr=uniform:0.1:0.5", "--search: malformed key path 'optimizer..lr'"),
])
def test_search_option_mistakes(workdir, cli, search, expected):
    assert error_line(cli("sweep", "tiny.yaml", "--search", search)).startswith(expected)


def test_a_plain_config_needs_search(workdir, cli):
    assert error_line(cli("sweep", "tiny.yaml")).startswith(
        "tiny.yaml: is a config, not a sweep file: give --search")


def test_set_overrides_of_the_base_config_are_checked_too(workdir, cli):
    line = error_line(cli("sweep", "tiny.yaml", "--search", "optimizer.lr=uniform:0.1:0.5",
                          "--set", "train.epochs=0"))
    assert line == "--set: train.epochs: must be in [1, 100000], got 0"


def test_without_optuna_one_line_says_what_to_install(workdir, sweep_file):
    import subprocess

    name = sweep_file(GOOD)
    result = subprocess.run(command("sweep", name, prelude="import sys; sys.modules['optuna'] "
                                                           "= None; "),
                            env=env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == ('simplegrad sweep needs Optuna: pip install '
                                     '"simplegrad[sweep]"')
    assert not os.path.exists("sweeps")


def test_a_base_config_beside_the_sweep_folder_is_named_by_a_normalised_path(workdir, cli):
    (workdir / "sweeps_in").mkdir()
    (workdir / "sweeps_in" / "s.yaml").write_text(GOOD.replace("config: tiny.yaml",
                                                               "config: ../tiny.yaml"))
    sweep = load_sweep("sweeps_in/s.yaml")
    assert sweep.base_file == "tiny.yaml"
    line = error_line(cli("sweep", "sweeps_in/s.yaml", "--set", "train.epochs=0"))
    assert line == "--set: train.epochs: must be in [1, 100000], got 0"
    (workdir / "tiny.yaml").write_text((workdir / "tiny.yaml").read_text()
                                       .replace("epochs: 2", "epochs: 0"))
    line = error_line(cli("sweep", "sweeps_in/s.yaml"))
    assert line.startswith("tiny.yaml:"), line  # not sweeps_in/../tiny.yaml


def test_the_shipped_example_sweep_is_valid():
    from sweep_helpers import ROOT

    sweep = load_sweep(ROOT / "configs" / "sweeps" / "spirals.yaml")
    assert sweep.base_file.endswith("spirals.yaml") and sweep.settings["trials"] == 20
    assert [p.name for p in sweep.params] == ["optimizer.lr", "model.0.linear.out",
                                             "data.batch_size"]


@pytest.mark.parametrize("sampler,pruner,classes", [
    ("tpe", "median", ("TPESampler", "MedianPruner")),
    ("random", "{name: hyperband, min_resource: 2}", ("RandomSampler", "HyperbandPruner")),
    ("{name: grid, seed: 1}", "{name: threshold, lower: 0.5}", ("Grid", "ThresholdPruner")),
    ("{name: tpe, n_startup_trials: 3}", "none", ("TPESampler", "NopPruner")),
])
def test_settings_build_optuna_samplers_and_pruners(workdir, sweep_file, sampler, pruner,
                                                    classes):
    optuna = pytest.importorskip("optuna")
    from simplegrad_cli.sweep import optuna_adapter

    sweep = load_sweep(sweep_file(f"config: tiny.yaml\nsampler: {sampler}\npruner: {pruner}\n"
                                  "space:\n  train.epochs: {choice: [2, 6]}\n"))
    built = optuna_adapter.sampler(sweep.settings["sampler"], 0, {"train.epochs": [2, 6]}), \
        optuna_adapter.pruner_of(sweep.settings["pruner"], sweep.max_epochs())
    assert tuple(type(b).__name__ for b in built) == classes
    assert isinstance(built[0], optuna.samplers.BaseSampler)
    if classes[1] == "HyperbandPruner":
        assert built[1]._max_resource == 6  # the largest train.epochs of the space
    assert not os.path.exists("sweeps")
