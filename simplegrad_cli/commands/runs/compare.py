"""`simplegrad compare`: runs side by side, as a table of their results (best and final
metric, epochs, time, parameters) and of the config keys whose values differ."""
import json
import math
import os

from simplegrad.npz_headers import npz_shapes

from simplegrad_cli.config.yaml_source import flatten_config, read_yaml_file
from simplegrad_cli.errors import CliError, shown_path
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.curves import read_runs
from simplegrad_cli.ui.report import Report
from simplegrad_cli.words import metric_text

MISSING = "-"
ABSENT = object()  # a key a run's config does not have: MISSING in the table, null in JSON


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


def run(options):
    """The runs table and the config keys that differ."""
    histories = read_runs(options.runs)
    configs = [_read_config(h.folder) for h in histories]
    runs = [summarize(h, c) for h, c in zip(histories, configs)]
    differences = config_differences(configs)
    return Report({"runs": runs, "config_differences": {
        key: [None if v is ABSENT else v for v in values] for key, values in differences}},
        lambda console: _render(runs, differences, console))


def _render(runs, differences, console):
    """The runs table, then the differing keys, one line each."""
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


def _yaml_scalar(value):
    """A config value as written in YAML (null, true, [0.1, 0.3])."""
    if value is ABSENT:
        return MISSING
    if isinstance(value, list):
        return "[" + ", ".join(map(_yaml_scalar, value)) + "]"
    return json.dumps(value) if value is None or isinstance(value, bool) else str(value)
