"""How SweepRunner records trials, in-process with stand-in trial processes: a trial's outcome
follows what its process did, a NaN metric never completes a trial, a finished trial's clock
stops, best.yaml is a valid config that trains from anywhere into its own folder, and a study
is never continued with another base config."""
import json
import os
import signal

import numpy as np
import pytest
import yaml
from sweep_helpers import read_jsonl

from simplegrad_cli.errors import CliError
from simplegrad_cli.run.run_folder import RunFolder
from simplegrad_cli.sweep.display import PlainSweepDisplay
from simplegrad_cli.sweep.space import load_sweep

pytest.importorskip("optuna")
pytestmark = [pytest.mark.filterwarnings("ignore:Argument ``heartbeat_interval``"),  # as the CLI
              pytest.mark.usefixtures("tiny_yaml")]  # every sweep trains tiny.yaml

SWEEP = """\
config: tiny.yaml
trials: 2
sampler: random
pruner: {pruner}
study: {study}
space:
  optimizer.lr: {{loguniform: [1.0e-3, 1.0e-1]}}
"""


class Ended:
    """A trial process that has already exited with `returncode`."""

    def __init__(self, returncode):
        self.returncode = returncode

    def poll(self):
        return self.returncode

    def send_signal(self, signum):
        raise AssertionError("an ended process is not signalled")


def make_runner(pruner="none", study="s"):
    from simplegrad_cli.sweep.runner import SweepRunner

    with open("s.yaml", "w") as handle:
        handle.write(SWEEP.format(pruner=pruner, study=json.dumps(study)))
    runner = SweepRunner(load_sweep("s.yaml"))
    runner.open_study()
    runner.screen = PlainSweepDisplay(runner.sweep)
    return runner


def trial_that_ran(runner, returncode, values, metric="val_accuracy", stopped=False):
    """Ask a trial, give it a folder whose metrics.jsonl holds `values` (one per epoch) and a
    process that ended with `returncode` (after the sweep stopped it, if `stopped`); follow
    and finish it as the loop does."""
    from simplegrad_cli.sweep.runner import TrialRun

    trial = runner.ask()
    folder = RunFolder(os.path.join(runner.out.path, f"trial-{trial.number:04d}"))
    os.makedirs(folder.path)
    with open(os.path.join(folder.path, "metrics.jsonl"), "w") as handle:
        for epoch, value in enumerate(values, start=1):
            handle.write(json.dumps({"type": "epoch", "epoch": epoch, "step": epoch,
                                     metric: value}) + "\n")
    run = TrialRun(trial, dict(trial.params), folder, Ended(returncode))
    run.stopped = stopped
    runner.runs.append(run)
    runner.follow(run)
    runner.finish(run)
    return run


@pytest.fixture
def runner(workdir):
    made = []

    def make(**settings):
        made.append(make_runner(**settings))
        return made[-1]
    yield make
    for each in made:
        each.out.unlock()


def test_a_trial_that_trained_to_the_end_is_completed_even_if_the_pruner_wanted_it_stopped(
        runner):
    sweep = runner(pruner="{name: threshold, lower: 1.5}")  # every accuracy is below 1.5
    run = trial_that_ran(sweep, 0, [0.5, 0.75])
    assert run.outcome == "completed" and run.value == 0.75
    record, = read_jsonl("sweeps/s/trials.jsonl")
    assert record["outcome"] == "completed" and record["value"] == 0.75
    assert os.path.exists("sweeps/s/best.yaml")


def test_a_nan_metric_never_completes_a_trial(runner):
    sweep = runner()
    run = trial_that_ran(sweep, 0, [0.5, float("nan")])
    assert run.outcome == "failed" and "not finite" in run.error
    assert sweep.best() is None and not os.path.exists("sweeps/s/best.yaml")
    record, = read_jsonl("sweeps/s/trials.jsonl")
    assert record["outcome"] == "failed"


def test_interrupted_trials_give_their_places_back(runner):
    sweep = runner()  # a study of 2 trials
    assert trial_that_ran(sweep, 143, [0.5], stopped=True).outcome == "interrupted"
    assert trial_that_ran(sweep, 0, [0.5]).outcome == "completed"
    assert trial_that_ran(sweep, 0, [0.6]).outcome == "completed"  # the interrupted one's place
    assert sweep.ask() is None


def test_a_finished_trials_clock_stops(runner, monkeypatch):
    now = [100.0]
    monkeypatch.setattr("simplegrad_cli.sweep.runner.time.monotonic", lambda: now[0])
    run = trial_that_ran(runner(), 0, [0.5])
    now[0] += 1000.0
    assert run.seconds == 0.0


def test_the_stop_line_says_which_interrupted_trials_keep_last_npz(runner, workdir):
    from simplegrad_cli.sweep.runner import stopped_line

    sweep = runner()
    runs = [trial_that_ran(sweep, 143, [], stopped=True),
            trial_that_ran(sweep, 143, [0.5], stopped=True)]
    (workdir / runs[1].folder.path / "last.npz").write_bytes(b"")
    line = stopped_line(signal.SIGINT, runs)
    assert line.startswith("Ctrl-C: sweep stopped; 2 running trial(s) marked interrupted")
    assert "trial-0001 keeps last.npz" in line and "trial-0000 had saved no checkpoint" in line


def test_best_yaml_is_a_valid_config_that_trains_from_anywhere_into_its_own_folder(
        runner, workdir, monkeypatch):
    from simplegrad_cli.config.validation import load_config

    rng = np.random.default_rng(0)
    np.savez("data.npz", x=rng.standard_normal((40, 2)), y=rng.integers(0, 3, 40))
    text = (workdir / "tiny.yaml").read_text()
    start = text.index("  source:")
    end = text.index("\n", text.index("  options:")) + 1
    (workdir / "tiny.yaml").write_text(text[:start] + "  source: data.npz\n" + text[end:])
    sweep = runner(study="s\nnext: line # \u202e")
    trial_that_ran(sweep, 0, [0.5])
    best = os.path.join(sweep.out.path, "best.yaml")
    values = yaml.safe_load(open(best))  # one document, its comments kept to comment lines
    assert values["data"]["source"] == str(workdir / "data.npz")
    assert values["train"]["out"] == os.path.join(os.path.abspath(sweep.out.path), "best")
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(os.path.join(workdir, best)).values["data"]["source"] == \
        str(workdir / "data.npz")


def test_a_study_is_not_continued_with_a_changed_base_config(runner, workdir):
    runner().out.unlock()
    config = workdir / "tiny.yaml"
    config.write_text(config.read_text().replace("lr: 0.01", "lr: 0.01, weight_decay: 0.1"))
    with pytest.raises(CliError, match="was created with another base config "
                                       r"\(optimizer.weight_decay: 0.0 -> 0.1\)"):
        runner()
