"""What `doctor` knows of a run, read from its folder: the resolved config, the metrics (epoch
and step records), how it started and ended (run_records.py) and, when it was trained with
train.diagnostics, the layers' records; plus the words and commands its findings use."""
import math
import os
import shlex
from dataclasses import dataclass

from simplegrad.nn import functional as F

from simplegrad_cli.config import registry
from simplegrad_cli.config.yaml_source import read_yaml_file
from simplegrad_cli.errors import CliError, shown_path
from simplegrad_cli.run.diagnostics import FILE as DIAGNOSTICS, read_diagnostics
from simplegrad_cli.run.metrics_log import MetricsLog
from simplegrad_cli.run.run_records import read_records

CROSS_ENTROPY = next(name for name, entry in registry.LOSSES.items()
                     if entry.builds is F.cross_entropy)  # its chance level: log(classes)


@dataclass
class Evidence:
    """One run as the doctor reads it."""

    folder: str
    config: dict
    history: object  # RunHistory
    start: dict  # None: a run started before start records existed
    end: dict  # None: still training, or killed
    diagnostics: list  # None: trained without train.diagnostics

    @classmethod
    def read(cls, target):
        """The evidence of the run folder `target` (or of a checkpoint's or metrics file's)."""
        log = MetricsLog.of(target)
        folder = os.path.dirname(os.path.abspath(log.path))
        history = log.history(target)
        config_path = os.path.join(folder, "config.yaml")
        if not os.path.isfile(config_path):
            raise CliError(f"{target}: no config.yaml beside {log.path}; give a run folder "
                           "written by simplegrad train")
        config, _ = read_yaml_file(config_path)
        if not isinstance(config, dict):
            raise CliError(f"{config_path}: expected a mapping of config keys")
        start, end = read_records(log)
        diagnostics = read_diagnostics(folder) \
            if os.path.isfile(os.path.join(folder, DIAGNOSTICS)) else None
        return cls(shown_path(folder), config, history, start, end, diagnostics)

    # ---- the config, read defensively (an edited config.yaml may lack a key) ------------------
    def setting(self, *path, default=None):
        """config[path...], or `default` where a key is missing."""
        value = self.config
        for key in path:
            if not isinstance(value, (dict, list)):  # text has no keys (nor characters to give)
                return default
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return default
        return value

    @property
    def lr(self):
        return self.setting("optimizer", "lr")

    @property
    def layers(self):
        """[(index, layer name, arguments)] of the model."""
        return [(index, *next(iter(layer.items()))) for index, layer in
                enumerate(self.setting("model", default=[])) if isinstance(layer, dict)]

    def chance_loss(self):
        """The loss of guessing every class alike: log(classes) for cross_entropy; otherwise
        (or with the classes unknown) infinite, so nothing is compared with it."""
        classes = (self.start or {}).get("num_classes")
        loss = self.setting("loss", default="cross_entropy")
        return math.log(classes) if classes and classes > 1 and loss == CROSS_ENTROPY \
            else math.inf

    # ---- the records --------------------------------------------------------------------------
    def epoch_values(self, metric):
        """[(epoch, value)] of `metric` in the epoch records (finite values only)."""
        return [(r["epoch"], r[metric]) for r in self.history.epochs
                if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric])]

    def best(self):
        """(train.metric, (epoch, its best value) or None when no epoch recorded it)."""
        metric = self.setting("train", "metric", default="val_accuracy")
        values = self.epoch_values(metric)
        pick = max if metric.endswith("accuracy") else min
        return metric, pick(values, key=lambda item: item[1]) if values else None

    def losses(self):
        """[(step, training loss)]: the step records' and the diagnostics', in step order."""
        points = [(r["step"], r["loss"]) for r in self.history.steps]
        points += [(r["step"], r["loss"]) for r in self.diagnostics or ()
                   if r.get("loss") is not None]
        return sorted(dict(points).items())

    # ---- commands the findings suggest ---------------------------------------------------------
    def train_command(self, *sets):
        """`simplegrad train` of this run's config into a new folder, with `--set`s."""
        config = os.path.join(self.folder, "config.yaml")
        return shlex.join(["simplegrad", "train", config, "--out", f"{self.folder}-2",
                           *(part for value in sets for part in ("--set", value))])

    def checkpoint(self, name):
        return os.path.join(self.folder, name)
