"""`simplegrad info`: what a checkpoint holds (metadata, config, parameter shapes, metrics),
read without building anything."""

from simplegrad.checkpoint import CheckpointError

from simplegrad_cli.config.yaml_source import to_yaml
from simplegrad_cli.errors import CliError
from simplegrad_cli.run.run_metadata import RunMetadata
from simplegrad_cli.run.stored_run import open_checkpoint, stored_config
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report
from simplegrad_cli.words import format_metrics, metric_text, mid_epoch_text


def _mid_epoch(loader):
    """(batch, batches per epoch) when the checkpoint was saved inside an epoch, else None."""
    batch = loader.get("position")
    try:
        samples, size = int(loader["num_samples"]), int(loader["batch_size"])
        steps = samples // size if loader.get("drop_last") else -(-samples // size)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        steps = None
    if not isinstance(batch, int) or batch <= 0 or (steps is not None and batch >= steps):
        return None
    return batch, steps if steps is not None else "?"


def run(options):
    """Report what the checkpoint holds."""
    checkpoint = open_checkpoint(options.checkpoint)
    meta, run = checkpoint.metadata, RunMetadata.read(checkpoint)
    try:
        config = stored_config(checkpoint).values  # in schema order, as the user wrote it
    except (CliError, CheckpointError):  # e.g. the stored config no longer validates
        config = run.config  # show what is there even if it no longer validates
    params = [{"name": name, "shape": list(array.shape), "dtype": str(array.dtype),
               "count": int(array.size)} for name, array in checkpoint.model_state.items()]
    loop, stopped = run.loop or {}, _mid_epoch(run.loader or {})
    report = {
        "checkpoint": checkpoint.path, "format_version": meta.get("format_version"),
        "library_version": meta.get("library_version"), "name": run.name,
        "epoch": run.epoch, "step": run.step,
        "mid_epoch": stopped is not None, "batch": stopped and stopped[0],
        "batches_per_epoch": stopped and stopped[1],
        "best": loop.get("best"), "best_epoch": loop.get("best_epoch"),
        "metrics": run.metrics, "data": run.data,
        "optimizer": (checkpoint.optimizer_state or {}).get("type"),
        "scheduler": (checkpoint.scheduler_state or {}).get("type"),
        "parameters": params, "total_parameters": sum(p["count"] for p in params),
        "config": config,
    }
    return Report(report, lambda console: _render(report, config, stopped, console))


def _render(report, config, stopped, console):
    """The checkpoint's report as lines and tables."""
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
                   for p in report["parameters"]] +
                  [["total", "", "", f"{report['total_parameters']:,}"]], console)
    if report["config"]:
        display.say(console, "config:", to_yaml(report["config"]).rstrip())
