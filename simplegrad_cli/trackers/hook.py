"""The Trainer hook that sends a run to its trackers, following the run's logs, so a tracker
shows exactly what metrics.jsonl holds; RUN/trackers.json keeps each tracker's run and how far it
got, so a resumed run never logs a step twice and a tracker that missed records catches up."""
import contextlib
import json
import os

from simplegrad.atomic import write_text
from simplegrad.errors import first_line

from simplegrad_cli.run import diagnostics
from simplegrad_cli.run.hooks import Hook
from simplegrad_cli.run.metrics_log import MetricsLog
from simplegrad_cli.trackers import extras
from simplegrad_cli.trackers.group import trial_group
from simplegrad_cli.trackers.records import marked, record_metrics, rewound, unlogged
from simplegrad_cli.trackers.tracker import MAX_ERROR, STATE_FILE, STATUS_OK, RunInfo, \
    attempt, read_state

# The run's logs the trackers follow: KIND -> its file in the run folder (records with an
# integer `step`); a log other than metrics.jsonl has its values logged as KIND/NAME.
LOGS = {"metrics": "metrics.jsonl", "diagnostics": diagnostics.FILE}


class TrackerHook(Hook):
    """Sends a run to the trackers `kinds` (tensorboard, mlflow, wandb). A tracker that fails
    (a server down, a full disk) is one warning line; training goes on without it."""

    def __init__(self, kinds):
        self.kinds = list(kinds)
        self.trackers, self.state = {}, {}

    # ---- the events ---------------------------------------------------------------------
    def on_train_start(self, trainer):
        folder = trainer.folder
        self.path = os.path.join(folder.path, STATE_FILE)
        self.logs = {kind: MetricsLog(os.path.join(folder.path, name))
                     for kind, name in LOGS.items()}
        self.offsets = dict.fromkeys(self.logs, 0)
        self.written = None
        # only a run continued in its own folder continues its tracker runs
        self.state = _read(self.path) if folder.mode == "continue" else {}
        if not self.state:
            with contextlib.suppress(OSError):
                os.remove(self.path)
        run = RunInfo(os.path.basename(os.path.abspath(folder.path)), folder.path,
                      trainer.resolved, trainer.cfg.name, trial_group())
        for kind in self.kinds:
            self.guard(trainer, kind, lambda kind=kind: self.start(trainer, kind, run))
        self.save(trainer)

    def on_step(self, trainer, step):
        if trainer.state.step % trainer.cfg.values["train"]["log_every"] == 0:
            self.follow(trainer)

    def on_epoch_end(self, trainer, epoch, record):
        self.follow(trainer)

    def on_train_end(self, trainer, status):
        self.follow(trainer)
        folder = trainer.folder
        files = [path for path in (folder.config, folder.best, folder.last)
                 if os.path.isfile(path)] if status in STATUS_OK else []
        for kind, tracker in list(self.trackers.items()):
            if files:
                self.guard(trainer, kind, lambda: tracker.log_files(files))
            if kind in self.trackers:
                self.guard(trainer, kind, lambda: tracker.finish(status))
        self.trackers = {}

    # ---- the work -----------------------------------------------------------------------
    def start(self, trainer, kind, run):
        """Open (or continue) the tracker `kind`'s run, and say where it can be seen."""
        tracker = extras.make(kind, run)
        entry = self.state.get(kind) or {}
        marks = entry.get("logged") or {}
        resume = min((mark[0] for mark in marks.values()), default=None)
        saved = tracker.start(entry.get("run"), resume)
        if not tracker.continued:
            marks = {}
            tracker.log_params(run.params())
            tracker.flush()
        elif tracker.rewinds and resume is not None:
            marks = rewound(marks, resume)
        self.trackers[kind] = tracker
        self.state[kind] = {"run": saved, "logged": marks}
        again = " (continued)" if tracker.continued else ""
        trainer.hooks.on_message(trainer, f"{kind}{again}: {tracker.where()}")

    def follow(self, trainer):
        """Log the logs' new lines (each log's records, merged in step order)."""
        if not self.trackers:
            return
        records = []
        for kind, log in self.logs.items():
            new, self.offsets[kind] = log.follow(self.offsets[kind])
            records += [(kind, r) for r in new if isinstance(r.get("step"), int)]
        records.sort(key=lambda item: item[1]["step"])
        for name, tracker in list(self.trackers.items()):
            self.guard(trainer, name, lambda: self.send_all(tracker, name, records))
        self.save(trainer)

    def send_all(self, tracker, name, records):
        """Log the (log kind, record) pairs the tracker has not logged, then mark them (once
        they are flushed: a mark never claims what a crash lost)."""
        marks = dict(self.state[name]["logged"])
        for kind, record in records:
            step = record["step"]
            metrics = unlogged(marks.get(kind), step, record_metrics(kind, record))
            if metrics:
                tracker.log(step, metrics)
                marks[kind] = marked(marks.get(kind), step, metrics)
        tracker.flush()
        self.state[name]["logged"] = marks

    def guard(self, trainer, kind, action):
        """Run a tracker's `action`; if it fails, say so once and go on without the tracker."""
        if not attempt(kind, action, lambda text: trainer.hooks.on_message(trainer, text)):
            self.trackers.pop(kind, None)

    def save(self, trainer):
        """Write trackers.json if it changed (a failure is a warning: training goes on)."""
        text = json.dumps(self.state, indent=1, sort_keys=True) + "\n"
        if text == self.written or not self.state:
            return
        try:
            write_text(self.path, text)
        except Exception as error:  # noqa: BLE001
            trainer.hooks.on_message(trainer, f"warning: cannot save {self.path}: "
                                              f"{first_line(error)[:MAX_ERROR]}")
        self.written = text  # a failure is said once


def _read(path):
    """The saved trackers' state, without the entries that do not look so (an edited file)."""
    return {kind: entry for kind, entry in read_state(path).items() if _entry(entry)}


def _entry(entry):
    """Whether a saved entry is {"run": {...}, "logged": {log kind: [step, names or null]}}."""
    if not (isinstance(entry, dict) and isinstance(entry.get("run"), dict)
            and isinstance(entry.get("logged"), dict)):
        return False
    return all(isinstance(mark, list) and len(mark) == 2 and isinstance(mark[0], int)
               and (mark[1] is None or isinstance(mark[1], list))
               for mark in entry["logged"].values())


def tracker_hooks(cfg):
    """The hooks that send a run of `cfg` to the trackers of its train.log_to (none, or one)."""
    kinds = cfg.values["train"]["log_to"]
    return [TrackerHook(kinds)] if kinds else []
