"""`simplegrad train`: validate a config, build the run, train it with progress on stderr, and
report the run's summary (what --json prints)."""
import os
import sys

from simplegrad.atomic import write_text

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.config.yaml_source import to_yaml
from simplegrad_cli.errors import CliError, usage_error
from simplegrad_cli.run import build
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs
from simplegrad_cli.run.run_folder import RUN_FILES, RunFolder
from simplegrad_cli.run.stored_run import check_same_config, open_checkpoint, stored_config
from simplegrad_cli.run.trainer import StopSignals, Trainer, resolved_values, run_summary
from simplegrad_cli.trackers import extras
from simplegrad_cli.trackers.hook import tracker_hooks
from simplegrad_cli.ui import console as display, progress
from simplegrad_cli.ui.curves import training_chart
from simplegrad_cli.ui.report import Report, config_report
from simplegrad_cli.words import metric_text, plural


OVERWRITE_OWN_RUN = ("--overwrite cannot be combined with --resume into the checkpoint's own "
                     "folder (the run continues there); with --out DIR it replaces the run in DIR")


def run(options):
    """Validate, build and train; the report is the run's summary (and, with `plot` or on a
    terminal, a chart of the epochs is drawn on stderr at the end)."""
    config, out, resume, epochs = options.config, options.out, options.resume, options.epochs
    overwrite = options.overwrite
    if config is None and resume is None:
        raise usage_error("give a CONFIG file, or --resume CHECKPOINT", "CONFIG")
    if resume is not None and overwrite and out is None:
        raise usage_error(OVERWRITE_OWN_RUN, "--overwrite")
    given = [("--seed", ("seed",), options.seed), ("--epochs", ("train", "epochs"), epochs),
             ("--out", ("train", "out"), out),
             ("--log-to", ("train", "log_to"), extras.log_to_option(options.log_to)),
             ("--detect-anomaly", ("train", "detect_anomaly"), options.detect_anomaly or None)]
    shortcuts = [item for item in given if item[2] is not None]  # (origin, key path, value)
    checkpoint = open_checkpoint(resume) if resume else None
    if config is not None:
        cfg = load_config(config, options.overrides, shortcuts)
    else:
        cfg = stored_config(checkpoint, options.overrides, shortcuts)
    if options.print_config:
        return config_report(cfg)
    extras.check_installed(cfg)
    build.use_threads(options.threads or cfg.values["train"]["threads"])
    source = (os.path.dirname(checkpoint.path) or ".") if checkpoint is not None else None
    run_dir = (out or source) if source is not None else \
        (cfg.values["train"]["out"] or f"runs/{cfg.name}")
    folder = RunFolder(run_dir)
    # resuming into the checkpoint's own folder continues that run; any other folder follows
    # the rules of a fresh run (refused if it holds a run, unless --overwrite)
    continuing = source is not None and folder.same_as(source)
    if continuing and overwrite:
        raise CliError(f"{folder.path}: {OVERWRITE_OWN_RUN}")
    if checkpoint is not None:  # before loading data, which may take a while
        check_same_config(checkpoint, resolved_values(cfg), cfg, inferred=True)
    for path in [folder.path] + [os.path.join(folder.path, name) for name in RUN_FILES]:
        refuse_inputs(path, data_inputs(cfg.values["data"]["source"]))
    mode = "continue" if continuing else "overwrite" if overwrite else "new"
    # checked (and locked, if it exists) before loading data, which may take a while; the
    # loop saves on a signal, until then a signal stops at once
    with RunFolder.open(run_dir, mode, config) as folder, StopSignals(at_once=True):
        trainer = Trainer(cfg, folder, checkpoint,
                          hooks=[progress.train_display(), *tracker_hooks(cfg)])
        return _train_in(trainer, cfg, checkpoint, source, options.plot,
                         "--epochs" if epochs else "train.epochs")


def _train_in(trainer, cfg, checkpoint, source, plot, origin):
    """The rest of `train` once the run folder has passed its checks (`origin`: where the
    number of epochs came from)."""
    folder = trainer.folder
    trainer.setup()
    if checkpoint is not None:
        trainer.restore(checkpoint)
        if trainer.state.epoch >= cfg.values["train"]["epochs"]:  # checked, nothing written
            if folder.mode == "continue":
                folder.remove_partials()  # a killed run's debris, never a checkpoint
            return _nothing_to_do(trainer, checkpoint, origin)
        replanned = trainer.replan_schedule()
        if replanned:
            display.info(replanned)
    folder.start()
    folder.check_space(trainer.checkpoint_bytes())
    write_text(folder.config, to_yaml(trainer.resolved))
    if folder.mode == "continue":
        folder.keep_logs_until(trainer.state.step)
    elif checkpoint is not None:
        folder.adopt(source, trainer.state.step, trainer.state.best_epoch)
    d, state = trainer.data, trainer.state
    val = f" / {len(d.val):,} val" if d.val is not None else ""
    what = f"resuming {checkpoint.path} at epoch {state.epoch + 1}, step {state.step}" \
        if checkpoint is not None else f"training {cfg.name}"
    display.info(f"{what}: {len(d.train):,} train{val} samples, "
                 f"{trainer.model.num_parameters():,} parameters, "
                 f"{plural(cfg.values['train']['epochs'], 'epoch')} -> {folder.path}")
    terminal, started = sys.stderr.isatty(), state.epoch
    summary = trainer.run()
    history = folder.log.history()
    if summary["best"] is not None:  # the whole run's epochs and time, a resumed one's too
        shown = metric_text(summary["metric"], summary["best"])
        seconds = sum(r.get("time_s") or 0.0 for r in history.epochs)
        now = f" ({summary['epochs'] - started} in this run)" if started else ""
        display.info(f"best {summary['metric']} {shown} at epoch {summary['best_epoch']} "
                     f"({summary['best_checkpoint']}); "
                     f"{plural(summary['epochs'], 'epoch')} in {seconds:.1f}s{now}")
    chart = training_chart(history, summary["metric"], color=terminal) \
        if plot or terminal else ""
    if chart:  # colour codes kept: not display.info, which escapes them
        sys.stderr.write(chart + "\n")
        sys.stderr.flush()
    display.info(f"next: {_next_command(cfg, summary)}")
    return Report(summary)


def _next_command(cfg, summary):
    """What to run after training: score the checkpoint on held-out data."""
    d = cfg.values["data"]
    checkpoint = summary["best_checkpoint"] or summary["last_checkpoint"]
    if d["test_split"] is None and d["val_fraction"] > 0:
        return f"simplegrad eval {checkpoint} --split val"
    if d["test_split"] is None:
        return f"simplegrad info {checkpoint}"
    return f"simplegrad eval {checkpoint}"


def _nothing_to_do(trainer, checkpoint, origin):
    """`train --resume` of a run that has already trained its epochs: say so, write nothing;
    the summary is that of the checkpoint's own run."""
    state, values = trainer.state, trainer.cfg.values
    display.info(f"nothing to do: {checkpoint.path} has already trained "
                 f"{plural(state.epoch, 'epoch')} ({origin} {values['train']['epochs']}); "
                 f"give --epochs N above {state.epoch} to train longer")
    folder = RunFolder(os.path.dirname(checkpoint.path) or ".")
    return Report(run_summary(folder, state, values["train"]["metric"],
                              trainer.model.num_parameters(), "completed", 0.0))
