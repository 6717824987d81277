"""`train`, `validate` and `info` on plain Python values (app.py wires them to Typer): each
prints its result (rich tables, or JSON with `as_json`) and returns an exit code."""
import os
import sys

from simplegrad.atomic import write_text
from simplegrad.checkpoint import CheckpointError
from simplegrad.memory import format_bytes
from simplegrad_cli.run.blas_threads import configure_threads

from simplegrad_cli.commands.plot import training_chart
from simplegrad_cli.config.validation import load_config
from simplegrad_cli.config.yaml_source import to_yaml
from simplegrad_cli.errors import OK, CliError
from simplegrad_cli.run import build
from simplegrad_cli.run.metrics_log import read_history
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs
from simplegrad_cli.run.run_folder import RunFolder
from simplegrad_cli.run.stored_run import check_same_config, open_checkpoint, stored_config
from simplegrad_cli.run.trainer import StopSignals, Trainer, resolved_values, run_summary
from simplegrad_cli.ui import console as display, progress
from simplegrad_cli.words import format_metrics, metric_text, mid_epoch_text, plural


def _print_config(cfg, as_json):
    if as_json:
        display.print_json(cfg.values)
    else:
        sys.stdout.write(cfg.to_yaml())


# ---- train ------------------------------------------------------------------------------
OVERWRITE_OWN_RUN = ("--overwrite cannot be combined with --resume into the checkpoint's own "
                     "folder (the run continues there); with --out DIR it replaces the run in DIR")


def train(config, overrides, seed, epochs, out, resume, overwrite, print_config, as_json,
          plot=False, threads=None):
    """`simplegrad train`: validate, build, train, and print a summary (and, with `plot` or
    on a terminal, a chart of the epochs)."""
    given = [("--seed", ("seed",), seed), ("--epochs", ("train", "epochs"), epochs),
             ("--out", ("train", "out"), out)]
    shortcuts = [item for item in given if item[2] is not None]  # (origin, key path, value)
    checkpoint = open_checkpoint(resume) if resume else None
    if config is not None:
        cfg = load_config(config, overrides, shortcuts)
    else:
        cfg = stored_config(checkpoint, overrides, shortcuts)
    if print_config:
        _print_config(cfg, as_json)
        return OK
    try:
        configure_threads(threads)
    except ValueError as error:  # a bad SIMPLEGRAD_THREADS
        raise CliError(str(error)) from None
    source = (os.path.dirname(checkpoint.path) or ".") if checkpoint is not None else None
    run_dir = (out or source) if source is not None else \
        (cfg.values["train"]["out"] or f"runs/{cfg.name}")
    trainer = Trainer(cfg, run_dir, checkpoint)
    folder = trainer.folder
    # resuming into the checkpoint's own folder continues that run; any other folder follows
    # the rules of a fresh run (refused if it holds a run, unless --overwrite)
    continuing = source is not None and folder.same_as(source)
    if continuing and overwrite:
        raise CliError(f"{folder.path}: {OVERWRITE_OWN_RUN}")
    if checkpoint is not None:  # before loading data, which may take a while
        check_same_config(checkpoint, resolved_values(cfg), cfg, inferred=True)
    rules = {"overwrite": overwrite, "resuming": continuing, "input_config": config}
    for path in (folder.path, folder.config, folder.metrics, folder.last, folder.best):
        refuse_inputs(path, data_inputs(cfg.values["data"]["source"]))
    folder.check(**rules)  # before loading data, which may take a while
    if os.path.isdir(folder.path):
        folder.lock()  # a run still writing there is refused before the data load too
    try:
        with StopSignals(at_once=True):  # the loop saves on a signal; until then, stop at once
            return _train_in(trainer, cfg, checkpoint, rules, source, plot, as_json,
                             "--epochs" if epochs else "train.epochs")
    finally:
        folder.unlock()


def _train_in(trainer, cfg, checkpoint, rules, source, plot, as_json, origin):
    """The rest of `train` once the run folder has passed its checks (`origin`: where the
    number of epochs came from)."""
    folder = trainer.folder
    trainer.setup()
    if checkpoint is not None:
        trainer.restore(checkpoint)
        if trainer.state.epoch >= cfg.values["train"]["epochs"]:  # checked, nothing written
            if rules["resuming"]:
                folder.remove_partials()  # a killed run's debris, never a checkpoint
            return _nothing_to_do(trainer, checkpoint, origin, as_json)
        replanned = trainer.replan_schedule()
        if replanned:
            display.info(replanned)
    folder.prepare(**rules)
    folder.check_space(trainer.checkpoint_bytes())
    write_text(folder.config, to_yaml(trainer.resolved))
    if rules["resuming"]:
        folder.keep_metrics_until(trainer.state.step)
    elif checkpoint is not None:
        folder.adopt(source, trainer.state.step, trainer.state.best_epoch)
    d, state = trainer.data, trainer.state
    val = f" / {len(d.val):,} val" if d.val is not None else ""
    what = f"resuming {checkpoint.path} at epoch {state.epoch + 1}, step {state.step}" \
        if checkpoint is not None else f"training {cfg.name}"
    display.info(f"{what}: {len(d.train):,} train{val} samples, "
                 f"{trainer.model.num_parameters():,} parameters, "
                 f"{plural(cfg.values['train']['epochs'], 'epoch')} -> {folder.path}")
    epochs, terminal, started = cfg.values["train"]["epochs"], sys.stderr.isatty(), state.epoch
    with (progress.RichTrainDisplay if terminal else progress.PlainTrainDisplay)(epochs) as bars:
        summary = trainer.run(bars)  # rich bars on a terminal, plain lines in logs and pipes
    history = read_history(folder.metrics)
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
    if as_json:
        display.print_json(summary)
    return OK


def _next_command(cfg, summary):
    """What to run after training: score the checkpoint on held-out data."""
    d = cfg.values["data"]
    checkpoint = summary["best_checkpoint"] or summary["last_checkpoint"]
    if d["test_split"] is None and d["val_fraction"] > 0:
        return f"simplegrad eval {checkpoint} --split val"
    if d["test_split"] is None:
        return f"simplegrad info {checkpoint}"
    return f"simplegrad eval {checkpoint}"


def _nothing_to_do(trainer, checkpoint, origin, as_json):
    """`train --resume` of a run that has already trained its epochs: say so, write nothing;
    the summary is that of the checkpoint's own run."""
    state, values = trainer.state, trainer.cfg.values
    display.info(f"nothing to do: {checkpoint.path} has already trained "
                 f"{plural(state.epoch, 'epoch')} ({origin} {values['train']['epochs']}); "
                 f"give --epochs N above {state.epoch} to train longer")
    if as_json:
        folder = RunFolder(os.path.dirname(checkpoint.path) or ".")
        display.print_json(run_summary(folder, state, values["train"]["metric"],
                                       trainer.model.num_parameters(), "completed", 0.0))
    return OK


# ---- validate ---------------------------------------------------------------------------
def validate(config, overrides, print_config, as_json, load_data=False):
    """`simplegrad validate`: every check train does before training that needs no data (with
    `load_data`, those too), then a model summary."""
    cfg = load_config(config, overrides)
    if print_config:
        _print_config(cfg, as_json)
        return OK
    d = cfg.values["data"]
    if load_data:
        data, _, rows, _ = build.build_run(cfg)
        known = build.DataShape(data.input_shape, data.num_classes, "the data")
    else:  # the data is never read: its shape comes from the config, the source or nowhere
        known = build.data_shape(cfg)
        rows = build.plan_model(cfg, known.input_shape)
        if known.input_shape is not None:  # each layer's dry run, as train gives it
            _, rows, _ = build.build_model(cfg, known.input_shape, known.num_classes)
        build.check_outputs(cfg, rows, known.num_classes)
    summary = {
        "config": str(config), "valid": True,
        "data": {"source": d["source"], "input_shape": None if known.input_shape is None
                 else list(known.input_shape), "num_classes": known.num_classes,
                 "shape_from": known.origin,
                 "train_samples": len(data.train) if load_data else None,
                 "val_samples": (len(data.val) if data.val is not None else 0)
                 if load_data else None},
        "layers": [row.to_json() for row in rows],
        "parameters": build.total_parameters(rows),
        "training_memory_bytes": build.training_memory(cfg, rows),
        "drops_single_last_batch": build.drop_single_last_batch(cfg, rows, len(data.train))
        if load_data else None,
    }
    if as_json:
        display.print_json(summary)
        return OK
    console = display.results_console()
    display.say(console, f"{config}: OK. data {d['source']}: {_data_text(summary['data'])}")
    table_rows = [["", "input", "", build.shape_text(known.input_shape), ""]]
    table_rows += [[str(r.index), r.name, r.arguments_text(), build.shape_text(r.output_shape),
                    _count_text(r.parameters)] for r in rows]
    table_rows.append(["", "total", "", "", _count_text(summary["parameters"])])
    display.table("model", [">#", "layer", "arguments", "output shape", ">parameters"],
                  table_rows, console)
    memory = summary["training_memory_bytes"]
    display.say(console, f"training needs about {format_bytes(memory)} of memory (parameters, "
                         "gradients, optimizer state and one batch's activations)"
                if memory is not None else "training memory: unknown until the input shape "
                                           "is known")
    if summary["drops_single_last_batch"]:
        display.say(console, "the last batch of each epoch holds one sample, which batch norm "
                             "cannot train on: training skips it")
    return OK


def _data_text(data):
    """What validate says of the data: sample counts when it was read, else where its shape
    came from, or that it is unknown."""
    if data["input_shape"] is None:
        return ("input shape unknown without reading the data (set data.input_shape, or use "
                "--load-data); shapes and sizes that depend on it are shown as ?")
    classes = f"{data['num_classes']} classes" if data["num_classes"] is not None else \
        "classes unknown"
    shape = f"input {tuple(data['input_shape'])}, {classes}"
    if data["train_samples"] is not None:
        return f"{data['train_samples']:,} train / {data['val_samples']:,} val samples, {shape}"
    return f"{shape} (from {data['shape_from']}; the data itself was not read: --load-data " \
           "reads it as train does)"


def _count_text(count):
    """A parameter count as a summary shows it: '1,234', or '?' when unknown."""
    return "?" if count is None else f"{count:,}"


# ---- info -------------------------------------------------------------------------------
def _mid_epoch(meta):
    """(batch, batches per epoch) when the checkpoint was saved inside an epoch, else None."""
    loader = meta.get("loader") or {}
    batch = loader.get("position")
    try:
        samples, size = int(loader["num_samples"]), int(loader["batch_size"])
        steps = samples // size if loader.get("drop_last") else -(-samples // size)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        steps = None
    if not isinstance(batch, int) or batch <= 0 or (steps is not None and batch >= steps):
        return None
    return batch, steps if steps is not None else "?"


def info(checkpoint_path, as_json):
    """`simplegrad info`: what a checkpoint holds, without building anything."""
    checkpoint = open_checkpoint(checkpoint_path)
    meta = checkpoint.metadata
    try:
        config = stored_config(checkpoint).values  # in schema order, as the user wrote it
    except (CliError, CheckpointError):  # e.g. the stored config no longer validates
        config = meta.get("config")  # show what is there even if it no longer validates
    params = [{"name": name, "shape": list(array.shape), "dtype": str(array.dtype),
               "count": int(array.size)} for name, array in checkpoint.model_state.items()]
    loop, stopped = meta.get("loop") or {}, _mid_epoch(meta)
    report = {
        "checkpoint": checkpoint.path, "format_version": meta.get("format_version"),
        "library_version": meta.get("library_version"), "name": meta.get("name"),
        "epoch": meta.get("epoch"), "step": meta.get("step"),
        "mid_epoch": stopped is not None, "batch": stopped and stopped[0],
        "batches_per_epoch": stopped and stopped[1],
        "best": loop.get("best"), "best_epoch": loop.get("best_epoch"),
        "metrics": meta.get("metrics"), "data": meta.get("data"),
        "optimizer": (checkpoint.optimizer_state or {}).get("type"),
        "scheduler": (checkpoint.scheduler_state or {}).get("type"),
        "parameters": params, "total_parameters": sum(p["count"] for p in params),
        "config": config,
    }
    if as_json:
        display.print_json(report)
        return OK
    console = display.results_console()
    lines = [f"checkpoint  {report['checkpoint']} (format {report['format_version']}, "
             f"simplegrad {report['library_version']})",
             f"run         {report['name']}: " + (
                 "saved " + mid_epoch_text(report["epoch"], report["step"], *stopped)
                 if stopped else f"epoch {report['epoch']}, step {report['step']}")]
    if report["metrics"]:
        lines.append(f"metrics     {format_metrics(report['metrics'])}")
    if report["best"] is not None:
        train = config.get("train") if isinstance(config, dict) else None
        metric = train.get("metric") if isinstance(train, dict) else None
        metric = metric if isinstance(metric, str) else "metric"  # a config that no longer
        lines.append(f"best        {metric} {metric_text(metric, report['best'])} at "
                     f"epoch {report['best_epoch']}")  # validates may hold anything
    if report["data"]:
        d = report["data"]
        lines.append(f"data        input {tuple(d.get('input_shape', ()))}, "
                     f"{d.get('num_classes')} classes, {d.get('train_samples', 0):,} train / "
                     f"{d.get('val_samples', 0):,} val samples")
    lines.append(f"optimizer   {report['optimizer']}, scheduler {report['scheduler']}")
    display.say(console, *lines)
    display.table("parameters", ["name", "shape", "dtype", ">count"],
                  [[p["name"], str(tuple(p["shape"])), p["dtype"], f"{p['count']:,}"]
                   for p in params] + [["total", "", "", f"{report['total_parameters']:,}"]],
                  console)
    if report["config"]:
        display.say(console, "config:", to_yaml(report["config"]).rstrip())
    return OK
