"""metrics.jsonl's `start` record (examples per class) and `end` record (how and why training
stopped), for `doctor`: written by a Hook, read back (checked) by `read_records`."""
import contextlib
import numpy as np

from simplegrad_cli.errors import CliError
from simplegrad_cli.run.hooks import Hook
from simplegrad_cli.run.metrics_log import checked

END_TEXT = ("status", "message", "non_finite", "layer", "op", "phase")  # its strings


class RunRecords(Hook):
    """Appends the start and end records to the run's metrics.jsonl."""

    def on_train_start(self, trainer):
        if trainer.state.step == 0:
            data = trainer.data
            counts = {"class_counts": _counts(data.train.y, data.num_classes)}
            if data.val is not None:
                counts["val_class_counts"] = _counts(data.val.y, data.num_classes)
            trainer.folder.log.append({"type": "start", "epoch": 0, "step": 0,
                                       "num_classes": data.num_classes, **counts})

    def on_train_end(self, trainer, status):
        error = trainer.stopped_by
        record = {"type": "end", "epoch": trainer.state.epoch, "step": trainer.state.step,
                  "status": status, **({"message": error.line()} if error else {}),
                  **getattr(error, "details", {})}
        with contextlib.suppress(CliError):  # a full disk: the error that says so goes on
            trainer.folder.log.append(record)


def _counts(labels, num_classes):
    return np.bincount(np.asarray(labels).reshape(-1), minlength=num_classes).tolist()


def read_records(log):
    """(the first start record or None, the end record if it is the log's last record, else
    None: the run is still training, was killed, or was resumed and has not ended yet)."""
    start, end = None, None
    for where, record in log.records(("start", "end", "epoch", "step")):
        kind = record["type"]
        if kind == "start" and start is None:
            start = _start(record, where)
        end = checked(record, where, names=("type",) + END_TEXT) if kind == "end" else None
    return start, end


def _start(record, where):
    """A start record: counters and numbers, and lists of class counts (integers >= 0)."""
    lists = ("class_counts", "val_class_counts")
    for key in lists:
        counts = record.get(key)
        if counts is not None and not (isinstance(counts, list) and all(
                isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts)):
            raise CliError(f"{where}: '{key}': expected a list of counts")
    checked({k: v for k, v in record.items() if k not in lists}, where)
    return record
