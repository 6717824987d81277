"""`simplegrad sweep`: search hyperparameters with Optuna, each trial a `simplegrad train` in its
own process and run folder; the report is the study's trials and its best."""
import sys

from simplegrad_cli.sweep.display import LiveSweepDisplay, PlainSweepDisplay, results_table
from simplegrad_cli.sweep.runner import SweepRunner
from simplegrad_cli.sweep.space import load_sweep
from simplegrad_cli.trackers import extras
from simplegrad_cli.ui.report import Report


def run(options):
    """Validate the space, run the trials, report the study (exit code 0 when at least one
    trial completed)."""
    given = {"trials": options.trials, "jobs": options.jobs, "study": options.study,
             "out": options.out}
    settings = [(f"--{key}", key, value) for key, value in given.items() if value is not None]
    sweep = load_sweep(options.source, options.search, options.overrides, settings)
    log_to = extras.log_to_option(options.log_to)
    extras.check_installed(sweep.trial_config({}), log_to)
    runner = SweepRunner(sweep, options.storage, options.join, log_to)  # imports Optuna first
    try:
        runner.open_study()
        live = sys.stderr.isatty()  # a live table on a terminal, plain lines otherwise
        with (LiveSweepDisplay if live else PlainSweepDisplay)(sweep) as screen:
            summary = runner.run(screen)
    finally:
        runner.out.unlock()
    notes = []
    if not summary["ran_here"] and summary["best"] is not None:
        notes.append(f"nothing to do: study '{summary['study']}' already has its "
                     f"{summary['trials']} trials; raise --trials to run more")
    if summary["best"] is None:  # no trial completed with a finite metric: no best.yaml
        notes.append(f"no trial of study '{summary['study']}' completed; see "
                     f"{summary['trials_file']} and the trials' train.log")
    return Report(summary, lambda console: results_table(summary, console),
                  0 if summary["best"] is not None else 1, notes)
