"""`train.diagnostics: {every: N}`: every N steps, a diagnostics.jsonl record of each weight's norms
and update ratio and each layer's output statistics, taken by a Hook around that step."""
import functools
import os

import numpy as np

from simplegrad_cli.errors import CliError, shown_path
from simplegrad_cli.run.hooks import Hook
from simplegrad_cli.run.metrics_log import MetricsLog, checked

FILE = "diagnostics.jsonl"
SATURATED = 0.01  # within 1% of the output range from a bound, the gradient has all but gone
TURN_ON = "train.diagnostics.every=50"  # the --set that turns them on
RULE_OF_THUMB = 1e-3  # a healthy step changes a weight tensor by about a thousandth of itself
SERIES = {  # name: (records' list, key, value key)
    "gradient_norm": ("parameters", "name", "grad_norm"),
    "update_ratio": ("parameters", "name", "update_ratio"),
    "dead_fraction": ("layers", "layer", "dead_fraction"),
    "saturated_fraction": ("layers", "layer", "saturated_fraction"),
}
WEIGHT = ".weight"


class Diagnostics(Hook):
    """Writes a diagnostics record every `every` optimizer steps."""

    def __init__(self, every):
        self.every, self.handles, self.before, self.outputs = every, [], None, {}

    @classmethod
    def of(cls, cfg):
        """The hook a config asks for: [Diagnostics] or []."""
        settings = cfg.values["train"]["diagnostics"]
        return [cls(settings["every"])] if settings else []

    def on_train_start(self, trainer):
        rows = trainer.rows
        self.parameters = [(f"model.{index}.{rows[int(index)].name}.{rest}", p)
                           for name, p in trainer.model.named_parameters()
                           for index, rest in [name.split(".", 1)]]

    def on_epoch_start(self, trainer, epoch, steps, done):
        self.arm(trainer)

    def on_step(self, trainer, step):
        if self.before is not None:
            trainer.folder.diagnostics_log.append(self.record(trainer, step))
            self.disarm()
        if step.batch < step.steps:  # else validation comes first: armed at the next epoch
            self.arm(trainer)

    def on_train_end(self, trainer, status):
        self.disarm()

    def arm(self, trainer):
        """Before a diagnostic step: copy the weights and watch the layers' outputs."""
        if self.before is not None or (trainer.state.step + 1) % self.every:
            return
        self.before = [p.data.copy() for _, p in self.parameters]
        self.handles = [row.module.register_forward_hook(functools.partial(self.seen, row))
                        for row in trainer.rows]

    def disarm(self):
        for handle in self.handles:
            handle.remove()
        self.handles, self.before, self.outputs = [], None, {}

    def seen(self, row, module, args, output):
        """A layer's forward hook: its output's statistics (of its first call in the step)."""
        if row.index not in self.outputs:
            self.outputs[row.index] = {"layer": ".".join(map(str, row.path)),
                                       **output_statistics(row.spec, output.data)}

    def record(self, trainer, step):
        """The diagnostics record of the step just taken."""
        parameters = [{"name": name, "norm": _norm(p.data),
                       "grad_norm": None if p.grad is None else _norm(p.grad),
                       "update_ratio": _ratio(_norm(p.data - before), _norm(before))}
                      for (name, p), before in zip(self.parameters, self.before)]
        return {"type": "diagnostics", "epoch": step.epoch + 1, "step": trainer.state.step,
                "loss": step.loss, "lr": step.lr, "parameters": parameters,
                "layers": [self.outputs[i] for i in sorted(self.outputs)]}


def output_statistics(spec, y):
    """Mean and std of a layer's output `y`, the fractions of zeros and dead units (0 for every
    sample) after a ReLU-like, of values within SATURATED of a bound after a sigmoid-like."""
    y = np.asarray(y)
    stats = {"mean": float(y.mean(dtype=np.float64)), "std": float(y.std(dtype=np.float64))}
    if spec.zeroes:
        zero = y == 0
        stats.update(zero_fraction=float(zero.mean()),
                     dead_fraction=float(zero.all(axis=0).mean()) if len(y) else None)
    if spec.saturates:
        low, high = spec.saturates
        margin = SATURATED * (high - low)
        stats["saturated_fraction"] = float(((y <= low + margin) | (y >= high - margin)).mean())
    return stats


def _norm(array):
    return float(np.sqrt(np.square(array, dtype=np.float64).sum()))


def _ratio(update, weight):
    return update / weight if weight > 0 else None


def read_diagnostics(folder):
    """The diagnostics records of a run folder, checked, in file order (a torn last line
    skipped); one line naming the problem if there are none."""
    log = MetricsLog(os.path.join(folder, FILE))
    if not os.path.isfile(log.path):
        raise CliError(f"{shown_path(folder)}: no {FILE}: the run was trained without "
                       f"diagnostics; train it with --set {TURN_ON}")
    return [_checked(record, where) for where, record in log.records(("diagnostics",))]


def _checked(record, where):
    """A diagnostics record whose counters, numbers and per-parameter and per-layer entries
    look as the hook writes them, or a CliError naming the field."""
    entries = {"parameters": "name", "layers": "layer"}
    for key, name in entries.items():
        items = record.get(key)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise CliError(f"{where}: '{key}': expected a list of mappings")
        for item in items:
            checked(item, f"{where}: {key}", counters=(), names=(name,))
            if name not in item:
                raise CliError(f"{where}: '{key}': an entry has no '{name}'")
    checked({k: v for k, v in record.items() if k not in entries}, where)
    return record


def layer_series(records):
    """{series name: {layer: (steps, values)}} of diagnostics records, per layer's weight tensor
    or output; null values (the ratio of an all-zero weight) are left out."""
    series = {name: {} for name in SERIES}
    for record in records:
        for name, (entries, key, value) in SERIES.items():
            for entry in record[entries]:
                label = entry[key]
                if entries == "parameters" and not label.endswith(WEIGHT):
                    continue
                if entry.get(value) is not None:
                    steps, values = series[name].setdefault(label.removesuffix(WEIGHT), ([], []))
                    steps.append(record["step"])
                    values.append(entry[value])
    return series
