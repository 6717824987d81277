"""`simplegrad lr-find`: the learning-rate range test on a config's model, optimizer and data
(doctor/lr_range.py), drawn as loss against rate, with the rate to use, why, and the command
that trains with it. Nothing is written but the optional --out picture, never into a run."""
import os
import shlex

import numpy as np

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.doctor.lr_range import range_test, suggest
from simplegrad_cli.errors import CHECK_FAILED, CliError, Interrupted, signal_exit_code, \
    signal_name, usage_error
from simplegrad_cli.run import build
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs
from simplegrad_cli.run.run_folder import RUN_FILES
from simplegrad_cli.run.trainer import StopSignals, Trainer
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.charts import FILE_FORMATS, Panel, file_chart, text_chart
from simplegrad_cli.ui.report import Report


def run(options):
    """Run the test and report the rates, losses and the suggestion (exit code 1 if there is
    none: the loss never fell)."""
    start, end, out = options.start, options.end, options.out
    if not 0 < start < end:
        raise usage_error(f"must be above 0 and below --end ({end:g}), got {start:g}", "--start")
    extension = os.path.splitext(str(out))[1].lower()
    if out is not None and extension not in FILE_FORMATS:  # refused before any work
        raise CliError(f"{out}: unknown image format {extension or '(no extension)'!r}; "
                       f"expected {', '.join(FILE_FORMATS)}", where="--out")
    cfg = load_config(options.config, options.overrides)
    if out is not None:
        _refuse_run_folder(out)
        refuse_inputs(out, [(options.config, "the config")] +
                      data_inputs(cfg.values["data"]["source"]))
    build.use_threads(cfg.values["train"]["threads"])
    trainer = Trainer(cfg, folder=None)
    trainer.setup()
    display.info(f"lr-find {cfg.name}: {cfg.values['optimizer']['name']}, lr {start:.3g} to "
                 f"{end:.3g} over {options.steps} steps of {cfg.values['data']['batch_size']} "
                 f"samples" + ("; the scheduler is not used" if trainer.scheduler else ""))
    with StopSignals() as stop:
        test = range_test(trainer, start, end, options.steps, lambda: stop.signum is not None)
    if stop.signum is not None:
        raise Interrupted(f"{signal_name(stop.signum)}: lr-find {test.ended}; nothing was "
                          "written", exit_code=signal_exit_code(stop.signum))
    suggestion = suggest(test)
    command = None
    if suggestion.lr is not None:
        sets = [*options.overrides, f"optimizer.lr={suggestion.lr:g}"]
        command = shlex.join(["simplegrad", "train", options.config,
                              *(part for value in sets for part in ("--set", value))])
    curves = [("smoothed loss", test.lrs, test.smoothed)]
    if suggestion.lr is not None:  # the suggestion as a point on the curve
        at = float(np.interp(np.log(suggestion.lr), np.log(test.lrs), test.smoothed))
        curves.append((f"suggested lr {suggestion.lr:g}", [suggestion.lr], [at]))
    panel = Panel(f"lr-find: {cfg.name}", "learning rate", "smoothed loss", curves, log_x=True)
    if out is not None:
        file_chart([panel], out)
        display.info(f"wrote {out}")
    data = {"config": options.config, "optimizer": cfg.values["optimizer"]["name"],
            "steps": len(test.lrs), "ended": test.ended, "suggested_lr": suggestion.lr,
            "reason": suggestion.reason, "command": command, "out": out,
            "points": {"lr": test.lrs, "loss": test.losses, "smoothed": test.smoothed}}

    def render(console):
        if out is None:
            width = min(max(display.output_width(80), 40), 120)
            display.write(text_chart([panel], width=width) + "\n")
        lr = "none" if suggestion.lr is None else f"{suggestion.lr:g}"
        display.say(console, f"suggested learning rate: {lr}", f"why: {suggestion.reason}",
                    *([f"next: {command}"] if command else []), wrap=False)  # lines to grep
    return Report(data, render, exit_code=CHECK_FAILED if suggestion.lr is None else 0)


def _refuse_run_folder(out):
    """lr-find never writes into a run folder (nor replaces one of its files)."""
    folder = os.path.dirname(os.path.abspath(out))
    held = [name for name in RUN_FILES if os.path.exists(os.path.join(folder, name))]
    if held:
        raise CliError(f"{out}: is in the run folder {folder} (it holds {', '.join(held)}); "
                       "lr-find writes into no run; choose another --out", where="--out")
