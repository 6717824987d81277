"""A run's metrics.jsonl (or diagnostics.jsonl), one JSON record per whole line: `MetricsLog` is its
only writer and reader (append, cut back on resume, follow, read back as a `RunHistory`)."""
import json
import math
import os
from dataclasses import dataclass

import numpy as np

from simplegrad.atomic import write_text

from simplegrad_cli.errors import CliError

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


class MetricsLog:
    """The metrics.jsonl at `path`."""

    def __init__(self, path):
        self.path = str(path)

    @classmethod
    def of(cls, target):
        """The log of a run folder, of a checkpoint's folder, or `target` itself."""
        target = str(target)
        if os.path.isdir(target):
            return cls(os.path.join(target, "metrics.jsonl"))
        if target.endswith(".npz"):
            return cls(os.path.join(os.path.dirname(target) or ".", "metrics.jsonl"))
        if target.lower().endswith((".yaml", ".yml")):
            raise CliError(f"{target}: a config, not a run; give the run folder it trained "
                           "(runs/NAME), its metrics.jsonl or one of its checkpoints")
        return cls(target)

    def append(self, record):
        """Append one JSON record as one complete line."""
        line = json.dumps(record) + "\n"
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as error:
            raise CliError(f"{self.path}: cannot write: {error.strerror or error}",
                           exit_code=1) from None

    def lines(self):
        """Each line as (line number, its JSON value, or None if not JSON: the torn last line of a
        run still writing or killed)."""
        try:
            with open(self.path, encoding="utf-8", errors="replace") as handle:
                return [(number, _json_or_none(line))
                        for number, line in enumerate(handle, start=1)]
        except OSError as error:
            raise CliError(f"{self.path}: cannot read: {error.strerror or error}") from None

    def keep_until(self, step, source=None):
        """On resume: keep the records of `source` (default this log) up to the checkpoint's
        `step`, dropping later and torn lines and the stopped session's end record."""
        source = source or self
        if not os.path.isfile(source.path):
            return
        kept = [json.dumps(record) + "\n" for _, record in source.lines()
                if isinstance(record, dict) and isinstance(record.get("step", 0), int)
                and record.get("step", 0) <= step  # (None: a line cut short by a crash)
                and record.get("type") != "end"]
        write_text(self.path, "".join(kept))

    def follow(self, offset):
        """(the records of the complete lines after byte `offset`, the new offset): a sweep
        reading its trial's epochs while it trains."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except OSError:
            return [], offset
        complete = chunk[:chunk.rfind(b"\n") + 1]
        records = [_json_or_none(line) for line in complete.decode("utf-8", "replace")
                   .splitlines()]
        return [r for r in records if isinstance(r, dict)], offset + len(complete)

    def records(self, kinds):
        """(`FILE:LINE`, record) of each record whose type is one of `kinds`; a torn last line is
        skipped, any other line that is not JSON is a CliError naming it."""
        lines = self.lines()
        for number, record in lines:
            if record is None and number == len(lines):
                continue
            if record is None:
                raise CliError(f"{self.path}:{number}: not a JSON record; is this a simplegrad "
                               f"{os.path.basename(self.path)}?")
            if isinstance(record, dict) and record.get("type") in kinds:
                yield f"{self.path}:{number}", record

    def history(self, target=None):
        """The RunHistory of the log (a torn last line is skipped; any other odd line or field
        is a CliError naming it); `target` is what the user named, for the error."""
        if not os.path.isfile(self.path):
            raise CliError(f"{target or self.path}: no metrics file {self.path}; give a run "
                           "folder (runs/NAME), its metrics.jsonl or one of its checkpoints")
        records = {"epoch": [], "step": []}
        for where, record in self.records(records):
            records[record["type"]].append(checked(record, where))
        folder = os.path.dirname(os.path.abspath(self.path))
        return RunHistory(os.path.basename(folder), folder, records["epoch"], records["step"])


def _json_or_none(line):
    try:
        return json.loads(line)
    except ValueError:
        return None


def checked(record, where, counters=("epoch", "step"), names=("type",)):
    """`record` if its `counters` are integers >= 0, its `names` strings and its other values
    numbers a float holds (or null), else a CliError naming the field."""
    for key in counters:
        if key not in record:
            raise CliError(f"{where}: '{key}' is missing; expected an integer >= 0")
        value = record[key]
        if not (_number(value) and isinstance(value, int) and value >= 0):
            raise CliError(f"{where}: '{key}': expected an integer >= 0, got {_shown(value)}")
    for key, value in record.items():
        if key in names and not isinstance(value, str):
            raise CliError(f"{where}: '{key}': expected a string, got {_shown(value)}")
        if key not in names and value is not None and not _number(value):
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
    """(RunHistory of each target, named by folder or, if two share a name, by path; the targets
    left out): of several, a run with no records yet is left out; an error if none is left."""
    histories, empty, several = [], [], len(targets) > 1
    for target in targets:
        log = MetricsLog.of(target)
        if several and os.path.isdir(target) and not os.path.isfile(log.path):
            empty.append(target)
            continue
        history = log.history(target)
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
