"""`simplegrad plot` and `simplegrad compare`: runs side by side, as their metric curves (a text
chart or an image) or as a table of their results and of the config keys that differ."""
import json
import math
import os
import sys

from simplegrad.npz_headers import npz_shapes

from simplegrad_cli.config.yaml_source import read_yaml_file
from simplegrad_cli.errors import OK, CliError, shown_path
from simplegrad_cli.run.metrics_log import read_histories
from simplegrad_cli.run.output_guard import refuse_inputs
from simplegrad_cli.run.run_folder import RUN_FILES
from simplegrad_cli.ui import console as display
from simplegrad_cli.words import metric_text
from simplegrad_cli.ui.charts import FILE_FORMATS, Panel, file_chart, text_chart

MISSING = "-"
ABSENT = object()  # a key a run's config does not have: MISSING in the table, null in JSON
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


def plot(targets, metrics, x, out, as_json=False):
    """`simplegrad plot`: draw the runs' metrics on the terminal, or into `out`; with
    `as_json`, print the values drawn (per run and metric: x, y and how many are not finite)."""
    extension = os.path.splitext(str(out))[1].lower()
    if out is not None and extension not in FILE_FORMATS:  # refused before any work
        raise CliError(f"{out}: unknown image format {extension or '(no extension)'!r}; "
                       f"expected {', '.join(FILE_FORMATS)}", where="--out")
    histories = _read_runs(targets)
    metrics = chosen_metrics(histories, metrics)
    if out is not None:
        refuse_inputs(out, [(target, "an input") for target in map(str, targets)
                            if not os.path.isdir(target)] +
                      [(os.path.join(h.folder, name), f"the run's {name}")
                       for h in histories for name in RUN_FILES])
        file_chart(metric_panels(histories, metrics, x), out)
        display.info(f"wrote {out}")
    if as_json:
        display.print_json({"x": x, "out": out, "runs": [
            {"run": h.name, "folder": h.folder,
             "metrics": {metric: _values(h, metric, x) for metric in metrics if h.values(metric)}}
            for h in histories]})
    if out is not None or as_json:
        return OK
    panels = metric_panels(histories, metrics, x)
    width = min(max(display.output_width(80), 40), 120)
    sys.stdout.write(text_chart(panels, width=width, color=sys.stdout.isatty()) + "\n")
    return OK


def _values(history, metric, x):
    """A run's `metric` as --json reports it: the finite values drawn, and how many are not."""
    xs, ys = history.series(metric, x)
    return {"x": xs.tolist(), "y": ys.tolist(), "not_finite": history.non_finite(metric)}


def _read_runs(targets):
    """The RunHistory of each target, noting those left out for having no records yet."""
    histories, empty = read_histories(targets)
    for target in empty:
        display.info(f"{target}: no metrics recorded yet; skipped")
    return histories


def flatten_config(values, prefix=""):
    """{dotted.key: value} of a nested config; list items are numbered (model.0.linear.out)."""
    if isinstance(values, dict):
        items = values.items()
    elif isinstance(values, list) and any(isinstance(v, (dict, list)) for v in values):
        items = enumerate(values)
    else:
        return {prefix: values}
    flat = {}
    for key, value in items:
        flat.update(flatten_config(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def config_differences(configs):
    """[(dotted key, [value per run, ABSENT where a run lacks the key])] for the keys whose
    values are not all equal, in the configs' order (list items, such as layers, by index)."""
    flats = [flatten_config(c) for c in configs]
    keys = _in_order(list(dict.fromkeys(k for flat in flats for k in flat)))
    rows = [(key, [flat.get(key, ABSENT) for flat in flats]) for key in keys]
    return [(key, values) for key, values in rows if any(v != values[0] for v in values[1:])]


def _in_order(keys):
    """Dotted keys sorted by where they first appear, numbered parts by number: a layer only
    one run has comes after the layer before it, not after every key of the other runs."""
    rank = {}
    for key in keys:
        parts = tuple(key.split("."))
        for depth in range(1, len(parts) + 1):
            rank.setdefault(parts[:depth], len(rank))

    def place(key):
        parts = tuple(key.split("."))
        return [int(part) if part.isdigit() else rank[parts[:depth]]
                for depth, part in enumerate(parts, start=1)]
    return sorted(keys, key=place)


def _read_config(folder):
    """The run's resolved config.yaml (an empty dict if it has none yet)."""
    path = shown_path(os.path.join(folder, "config.yaml"))
    if not os.path.isfile(path):
        return {}
    values, _ = read_yaml_file(path)  # train's loader: size, depth and alias limits
    values = {} if values is None else values  # written, but empty
    train = values.get("train", {}) if isinstance(values, dict) else None
    metric = train.get("metric", "") if isinstance(train, dict) else None
    for ok, key, expected, value in [(isinstance(values, dict), "", "a mapping of config keys",
                                      values),
                                     (isinstance(train, dict), "train", "a mapping", train),
                                     (isinstance(metric, str), "train.metric", "a metric name",
                                      metric)]:
        if not ok:
            where = f"'{key}': " if key else ""
            raise CliError(f"{path}: {where}expected {expected}, got {_yaml_scalar(value)}")
    return values


def _parameters(folder):
    """Number of model parameters in the run's newest checkpoint (None if there is none)."""
    for name in ("last.npz", "best.npz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            try:  # from the array headers alone: a huge or hostile file is never inflated
                return sum(math.prod(shape) for key, shape in npz_shapes(path).items()
                           if key.startswith("model/"))
            except Exception:  # a damaged file: the other one, or no count
                continue
    return None


def summarize(history, config):
    """Best and final value of the run's train.metric, epoch of best, epochs, time."""
    metric = (config.get("train") or {}).get("metric") or "val_accuracy"  # checked on reading
    values = [(r["epoch"], r[metric]) for r in history.epochs
              if isinstance(r.get(metric), (int, float))]
    pick = max if metric.endswith("accuracy") else min
    best_epoch, best = pick(values, key=lambda item: item[1]) if values else (None, None)
    return {"run": history.name, "folder": history.folder, "metric": metric,
            "best": best, "best_epoch": best_epoch,
            "final": values[-1][1] if values else None,
            "epochs": history.epochs[-1]["epoch"] if history.epochs else 0,
            "time_s": sum(float(r.get("time_s") or 0.0) for r in history.epochs),
            "parameters": _parameters(history.folder)}


def compare(targets, as_json):
    """`simplegrad compare`: print the runs table and the differing config keys."""
    histories = _read_runs(targets)
    configs = [_read_config(h.folder) for h in histories]
    runs = [summarize(h, c) for h, c in zip(histories, configs)]
    differences = config_differences(configs)
    if as_json:
        display.print_json({"runs": runs, "config_differences": {
            key: [None if v is ABSENT else v for v in values] for key, values in differences}})
        return OK
    console = display.results_console()
    display.table("runs", ["run", "metric", ">best", ">final", ">best epoch", ">epochs",
                           ">time", ">parameters"],
                  [[r["run"], r["metric"], metric_text(r["metric"], r["best"]),
                    metric_text(r["metric"], r["final"]), r["best_epoch"] or MISSING,
                    r["epochs"], f"{r['time_s']:.1f}s", MISSING if r["parameters"] is None
                    else f"{r['parameters']:,}"] for r in runs], console)
    if len(runs) > 1:
        title = "config differences" if differences else "config: the same for every run"
        console.print(title, style="bold", highlight=False, markup=False)
        display.say(console, *(f"{key}: {' | '.join(_yaml_scalar(v) for v in values)}"
                               for key, values in differences))
    return OK


def _yaml_scalar(value):
    """A config value as written in YAML (null, true, [0.1, 0.3])."""
    if value is ABSENT:
        return MISSING
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml_scalar, value)) + "]"
    return json.dumps(value) if value is None or isinstance(value, bool) else str(value)
