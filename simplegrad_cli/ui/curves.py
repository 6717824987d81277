"""Learning curves: a run's metrics as chart panels (`plot`, the chart `train` ends with) and
the runs a command was given, read (noting those with no records yet)."""
from simplegrad_cli.errors import CliError
from simplegrad_cli.run.metrics_log import read_histories
from simplegrad_cli.ui import console
from simplegrad_cli.ui.charts import Panel, text_chart

DEFAULT_METRICS = ("train_loss", "val_loss")
X_LABELS = {"step": "step", "epoch": "epoch", "time": "training time (s)"}
SPLITS = {"train": "training", "val": "validation"}


def metric_panels(histories, metrics, x="epoch"):
    """One Panel per metric, with a curve per run (labelled by run when there are several)."""
    metrics = chosen_metrics(histories, metrics)
    if len(histories) > 1:  # a panel per metric, a curve per run
        return [Panel(metric, X_LABELS[x], metric_label(metric),
                      [curve(h, metric, x, h.name) for h in histories]) for metric in metrics]
    run, kinds = histories[0], {}  # one run: train_ and val_ of a kind share one panel
    for metric in metrics:
        kinds.setdefault(metric.removeprefix("train_").removeprefix("val_"), []).append(metric)
    return [Panel(f"{run.name}: {', '.join(group)}", X_LABELS[x],
                  metric_label(group[0] if len(group) == 1 else kind, per_step=False),
                  [curve(run, metric, x, metric) for metric in group])
            for kind, group in kinds.items()]


def chosen_metrics(histories, metrics):
    """The metrics asked for (default: train_loss and val_loss), each recorded by a run."""
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
    return metrics


def metric_label(metric, per_step=True):
    """A metric in words, as an axis title: 'validation accuracy (%)', 'training loss'."""
    named = {"lr": "learning rate", "time_s": "seconds per epoch",
             "samples_per_s": "samples per second", "loss": "loss (per step)" if per_step
             else "loss"}
    first, _, rest = metric.partition("_")
    words = named.get(metric) or (f"{SPLITS[first]} {rest}" if first in SPLITS and rest
                                  else metric.replace("_", " "))
    return words + " (%)" * metric.endswith("accuracy")


def curve(history, metric, x, label):
    """(label, xs, ys) of one run's `metric`, accuracies in percent; the label says how many
    values are not finite (a diverged run's inf or NaN), which a chart cannot draw."""
    dropped = history.non_finite(metric)
    if dropped:
        label += f" ({dropped} value{'s' * (dropped > 1)} not finite, not drawn)"
    xs, ys = history.series(metric, x)
    return label, xs, ys * 100 if metric.endswith("accuracy") else ys


def training_chart(history, metric, color=False):
    """The chart `train` ends with: a loss panel (train_loss, val_loss) and, unless it is a
    loss, one for `metric`, side by side (empty if no epoch has finished)."""
    groups = [["train_loss", "val_loss"]] + ([[metric]] if not metric.endswith("loss") else [])
    panels = [Panel("", "epoch", metric_label(group[0]) if len(group) == 1 else "loss",
                    [curve(history, name, "epoch", name) for name in group
                     if history.values(name)]) for group in groups]
    panels = [panel for panel in panels if panel.curves]
    return text_chart(panels, width=80, height=12, columns=2, color=color) if panels else ""


def read_runs(targets):
    """The RunHistory of each target, noting those left out for having no records yet."""
    histories, empty = read_histories(targets)
    for target in empty:
        console.info(f"{target}: no metrics recorded yet; skipped")
    return histories
