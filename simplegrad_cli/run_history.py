"""A run's metrics.jsonl read back as curves (for `plot`, `compare` and the end-of-training
chart); whatever is there is read, so it works on a run that is still training."""
import json
import os
from dataclasses import dataclass

import numpy as np

from simplegrad_cli.errors import CliError

X_AXES = ("step", "epoch", "time")
STEP_METRICS = ("loss",)  # per-step records (train.log_every); the rest are per epoch


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

    def series(self, metric, x="epoch"):
        """(xs, ys) of `metric` against step, epoch or cumulative training seconds."""
        records = self.steps if metric in STEP_METRICS else self.epochs
        points = [(r["step"], r[metric]) for r in records
                  if isinstance(r.get(metric), (int, float)) and isinstance(r.get("step"), int)]
        steps = np.array([p[0] for p in points], dtype=np.float64)
        ys = np.array([p[1] for p in points], dtype=np.float64)
        return self._x_of(steps, x), ys

    def _x_of(self, steps, x):
        """Steps converted to the x axis, through the epoch records' (step, epoch, time) marks."""
        if x == "step" or not self.epochs:  # still in the first epoch: no scale known yet
            return steps
        marks = [(0.0, 0.0, 0.0)]
        for record in self.epochs:
            marks.append((float(record["step"]), float(record["epoch"]),
                          marks[-1][2] + float(record.get("time_s") or 0.0)))
        known = np.array([m[0] for m in marks])
        target = np.array([m[1] if x == "epoch" else m[2] for m in marks])
        xs = np.interp(steps, known, target)
        beyond = steps > known[-1]  # a running run: steps past the last finished epoch
        rate = (target[-1] - target[-2]) / max(known[-1] - known[-2], 1.0)
        xs[beyond] = target[-1] + (steps[beyond] - known[-1]) * rate
        return xs


def read_history(target):
    """The RunHistory of a run folder, a checkpoint's folder or a metrics.jsonl file (a torn
    last line is skipped)."""
    path = target = str(target)
    if os.path.isdir(target):
        path = os.path.join(target, "metrics.jsonl")
    elif target.endswith(".npz"):
        path = os.path.join(os.path.dirname(target) or ".", "metrics.jsonl")
    if not os.path.isfile(path):
        raise CliError(f"{target}: no metrics file {path}; give a run folder (runs/NAME), its "
                       "metrics.jsonl or one of its checkpoints")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    except OSError as error:
        raise CliError(f"{path}: cannot read: {error.strerror or error}") from None
    records = {"epoch": [], "step": []}
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(lines):
                continue  # the line a running (or killed) run is writing
            raise CliError(f"{path}:{number}: not a JSON record; is this a simplegrad "
                           "metrics.jsonl?") from None
        if isinstance(record, dict) and record.get("type") in ("epoch", "step"):
            records[record["type"]].append(record)
    folder = os.path.dirname(os.path.abspath(path))
    return RunHistory(os.path.basename(folder), folder, records["epoch"], records["step"])


def read_histories(targets):
    """RunHistory of each target, named by folder (by path where two folders share a name)."""
    histories = [read_history(target) for target in targets]
    names = [h.name for h in histories]
    for history in histories:
        if names.count(history.name) > 1:
            history.name = os.path.relpath(history.folder)
    return histories
