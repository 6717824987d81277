"""A run's metrics.jsonl read back as curves (for `plot`, `compare` and the end-of-training
chart); whatever is there is read, so it works on a run that is still training."""
import json
import math
import os
from dataclasses import dataclass

import numpy as np

from simplegrad_cli.errors import CliError
from simplegrad_cli.run.run_folder import read_metrics

X_AXES = ("step", "epoch", "time")
STEP_METRICS = ("loss",)  # per-step records (train.log_every); the rest are per epoch
MAX_INTEGER = 2 ** 53  # larger integers are no counter or metric a run writes


@dataclass
class RunHistory:
    """The records of one run: per-epoch summaries and per-step losses, in file order."""

    name: str
    folder: str
    epochs: list
    steps: list

    def metric_names(self):
        """Every metric that can be drawn, per-epoch ones first."""
        names = [key for record in self.epochs for key, value in record.items()
                 if key not in ("type", "epoch", "step") and isinstance(value, (int, float))]
        names += [m for m in STEP_METRICS if self.steps]
        return list(dict.fromkeys(names))

    def values(self, metric):
        """(step, value) of each record of `metric`, in file order."""
        records = self.steps if metric in STEP_METRICS else self.epochs
        return [(r["step"], r[metric]) for r in records if r.get(metric) is not None]

    def non_finite(self, metric):
        """How many recorded values of `metric` are NaN or infinite (a diverged run's)."""
        return sum(not math.isfinite(value) for _, value in self.values(metric))

    def series(self, metric, x="epoch"):
        """(xs, ys) of the finite values of `metric` against step, epoch or cumulative training
        seconds."""
        points = [(step, value) for step, value in self.values(metric) if math.isfinite(value)]
        steps = np.array([p[0] for p in points], dtype=np.float64)
        ys = np.array([p[1] for p in points], dtype=np.float64)
        return self._x_of(steps, x), ys

    def _x_of(self, steps, x):
        """Steps converted to the x axis, through the epoch records' (step, epoch, time) marks."""
        if x == "step" or not self.epochs:  # still in the first epoch: no scale known yet
            return steps
        marks = [(0.0, 0.0, 0.0)]
        for record in self.epochs:
            seconds = record.get("time_s")
            seconds = seconds if seconds is not None and 0 < seconds < math.inf else 0.0
            marks.append((float(record["step"]), float(record["epoch"]), marks[-1][2] + seconds))
        known = np.array([m[0] for m in marks])
        target = np.array([m[1] if x == "epoch" else m[2] for m in marks])
        xs = np.interp(steps, known, target)
        beyond = steps > known[-1]  # a running run: steps past the last finished epoch
        rate = (target[-1] - target[-2]) / max(known[-1] - known[-2], 1.0)
        xs[beyond] = target[-1] + (steps[beyond] - known[-1]) * rate
        return xs


def read_history(target):
    """The RunHistory of a run folder, a checkpoint's folder or a metrics.jsonl file (a torn
    last line is skipped; any other odd line or field is a CliError naming it)."""
    path = metrics_path(target)
    if not os.path.isfile(path):
        raise CliError(f"{target}: no metrics file {path}; give a run folder (runs/NAME), its "
                       "metrics.jsonl or one of its checkpoints")
    lines = read_metrics(path)
    records = {"epoch": [], "step": []}
    for number, record in lines:
        if record is None and number == len(lines):
            continue  # the line a running (or killed) run is writing
        if record is None:
            raise CliError(f"{path}:{number}: not a JSON record; is this a simplegrad "
                           "metrics.jsonl?")
        if isinstance(record, dict) and record.get("type") in ("epoch", "step"):
            records[record["type"]].append(_checked(record, f"{path}:{number}"))
    folder = os.path.dirname(os.path.abspath(path))
    return RunHistory(os.path.basename(folder), folder, records["epoch"], records["step"])


def metrics_path(target):
    """The metrics.jsonl of a run folder, of a checkpoint's folder, or `target` itself."""
    target = str(target)
    if os.path.isdir(target):
        return os.path.join(target, "metrics.jsonl")
    if target.endswith(".npz"):
        return os.path.join(os.path.dirname(target) or ".", "metrics.jsonl")
    return target


def _checked(record, where):
    """An epoch or step record whose counters are integers and whose values are numbers that
    a float holds (null: not recorded), or a CliError naming the field."""
    for key in ("epoch", "step"):
        if key not in record:
            raise CliError(f"{where}: '{key}' is missing; expected an integer >= 0")
        value = record[key]
        if not (_number(value) and isinstance(value, int) and value >= 0):
            raise CliError(f"{where}: '{key}': expected an integer >= 0, got {_shown(value)}")
    for key, value in record.items():
        if key != "type" and value is not None and not _number(value):
            raise CliError(f"{where}: '{key}': expected a number, got {_shown(value)}")
    return record


def _number(value):
    """Whether `value` is a JSON number a float can hold (inf and NaN included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, float) or abs(value) <= MAX_INTEGER


def _shown(value):
    """A field's value as an error shows it: JSON text, or the size of a huge integer."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        return f"an integer of {len(str(abs(value)))} digits"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_histories(targets):
    """(RunHistory of each target, named by folder (by path where two folders share a name),
    the targets left out): of several, a run folder with no records yet is left out (a sweep
    trial stopped before its first epoch); an error if that leaves none."""
    histories, empty = [], []
    for target in targets:
        several = len(targets) > 1
        if several and os.path.isdir(target) and not os.path.isfile(metrics_path(target)):
            empty.append(target)
            continue
        history = read_history(target)
        if several and not history.epochs and not history.steps:
            empty.append(target)
        else:
            histories.append(history)
    if not histories:
        raise CliError(f"{', '.join(map(str, empty))}: no metrics recorded yet")
    names = [h.name for h in histories]
    for history in histories:
        if names.count(history.name) > 1:
            history.name = os.path.relpath(history.folder)
    return histories, empty
