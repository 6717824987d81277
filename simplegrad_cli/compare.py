"""`simplegrad compare`: runs side by side (best/final metric, epochs, time, parameters) and
only the config keys whose values differ between them."""
import os

from simplegrad_cli import display
from simplegrad_cli.errors import OK, CliError
from simplegrad_cli.run_history import read_histories

MISSING = "-"


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
    """[(dotted key, [value per run])] for the keys whose values are not all equal."""
    flats = [flatten_config(c) for c in configs]
    keys = list(dict.fromkeys(k for flat in flats for k in flat))
    rows = []
    for key in keys:
        values = [flat.get(key, MISSING) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append((key, values))
    return rows


def _read_config(folder):
    """The run's resolved config.yaml (an empty dict if it has none yet)."""
    import yaml

    path = os.path.join(folder, "config.yaml")
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            values = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as error:
        raise CliError(f"{path}: cannot read the run's config: "
                       f"{str(error).splitlines()[0]}") from None
    return values if isinstance(values, dict) else {}


def _parameters(folder):
    """Number of model parameters in the run's newest checkpoint (None if there is none)."""
    import math

    from simplegrad.npz_headers import npz_shapes

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
    metric = (config.get("train") or {}).get("metric") or "val_accuracy"
    higher = metric.endswith("accuracy")
    values = [(r["epoch"], r[metric]) for r in history.epochs
              if isinstance(r.get(metric), (int, float))]
    best = (max if higher else min)(values, key=lambda item: item[1]) if values else None
    return {"run": history.name, "folder": history.folder, "metric": metric,
            "best": best[1] if best else None, "best_epoch": best[0] if best else None,
            "final": values[-1][1] if values else None,
            "epochs": history.epochs[-1]["epoch"] if history.epochs else 0,
            "time_s": sum(float(r.get("time_s") or 0.0) for r in history.epochs),
            "parameters": _parameters(history.folder)}


def compare(targets, as_json):
    """`simplegrad compare`: print the runs table and the differing config keys."""
    histories = read_histories(targets)
    configs = [_read_config(h.folder) for h in histories]
    runs = [summarize(h, c) for h, c in zip(histories, configs)]
    differences = config_differences(configs)
    if as_json:
        display.print_json({"runs": runs, "config_differences":
                            {key: values for key, values in differences}})
        return OK
    console = display.results_console()
    display.table("runs", ["run", "metric", ">best", ">final", ">best epoch", ">epochs",
                           ">time", ">parameters"],
                  [[r["run"], r["metric"], _shown(r["metric"], r["best"]),
                    _shown(r["metric"], r["final"]), r["best_epoch"] or MISSING, r["epochs"],
                    f"{r['time_s']:.1f}s", MISSING if r["parameters"] is None
                    else f"{r['parameters']:,}"] for r in runs], console)
    if len(runs) > 1:
        title = "config differences" if differences else "config: the same for every run"
        console.print(title, style="bold", highlight=False, markup=False)
        for key, values in differences:
            console.print(f"{key}: {' | '.join(_yaml_scalar(v) for v in values)}",
                          highlight=False, markup=False)
    return OK


def _shown(metric, value):
    if value is None:
        return MISSING
    return f"{value * 100:.2f}%" if metric.endswith("accuracy") else f"{value:.4f}"


def _yaml_scalar(value):
    """A config value as written in YAML (null, true, [0.1, 0.3])."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    return str(value)
