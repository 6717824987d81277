"""`simplegrad plot`: the curves of one or more runs overlaid, as a text chart or an image."""
import os
import sys

from simplegrad_cli.charts import Panel, check_file_format, file_chart, text_chart
from simplegrad_cli.errors import OK, CliError
from simplegrad_cli.run_history import read_histories

DEFAULT_METRICS = ("train_loss", "val_loss")
X_LABELS = {"step": "step", "epoch": "epoch", "time": "training time (s)"}


def metric_panels(histories, metrics, x="epoch"):
    """One Panel per metric, with a curve per run (labelled by run when there are several)."""
    available = list(dict.fromkeys(m for h in histories for m in h.metric_names()))
    if not available:
        names = ", ".join(h.name for h in histories)
        raise CliError(f"{names}: no metrics recorded yet (metrics.jsonl holds no epoch or "
                       "step records)")
    if not metrics:
        metrics = [m for m in DEFAULT_METRICS if m in available] or available[:1]
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise CliError(f"no metric {unknown[0]!r} in these runs; recorded: "
                       f"{', '.join(available)}", where="--metric")
    panels = []
    for metric in metrics:
        panel = Panel(metric, X_LABELS[x], metric)
        for history in histories:
            xs, ys = history.series(metric, x)
            label = history.name if len(histories) > 1 else metric
            panel.curves.append((label, xs, ys))
        panels.append(panel)
    return _merge_single_run(panels) if len(histories) == 1 else panels


def _merge_single_run(panels):
    """For one run, curves of the same kind (train_loss, val_loss) share one panel."""
    merged = {}
    for panel in panels:
        kind = panel.title.removeprefix("train_").removeprefix("val_")
        if kind in merged:
            merged[kind].curves += panel.curves
            merged[kind].title += f", {panel.title}"
        else:
            merged[kind] = Panel(panel.title, panel.xlabel, kind, list(panel.curves))
    return list(merged.values())


def plot(targets, metrics, x, out):
    """`simplegrad plot`: draw the runs' metrics on the terminal, or into `out`."""
    if out is not None:
        check_file_format(out)
    panels = metric_panels(read_histories(targets), metrics, x)
    if out is None:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() \
            else 0
        width = min(columns, 120) if columns >= 40 else 80  # 0 = size unknown
        sys.stdout.write(text_chart(panels, width=width, color=sys.stdout.isatty()) + "\n")
        return OK
    file_chart(panels, out)
    sys.stderr.write(f"wrote {out}\n")
    return OK
