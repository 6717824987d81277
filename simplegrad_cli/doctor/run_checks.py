"""The doctor's checks of the run as a whole: how it ended (early stopped, interrupted, failed,
or no end yet), classes of very different sizes in its data, and diagnostics that were off."""
from simplegrad_cli.doctor.finding import Finding
from simplegrad_cli.run.diagnostics import TURN_ON
from simplegrad_cli.words import metric_text, plural

IMBALANCE = 3.0  # the largest class this many times the smallest: accuracy misleads
STOPPED = {"interrupted": ("warning", "was interrupted", "stopped by a signal"),
           "failed": ("problem", "failed", "an error stopped it (see its output)")}


def how_it_ended(evidence, found):
    """A run that did not train all its epochs: stopped early, interrupted, failed, or with no
    end record (still training, or killed)."""
    end, epochs = evidence.end, evidence.setting("train", "epochs")
    last = evidence.checkpoint("last.npz")
    resume = f"simplegrad train --resume {last}"
    if end is None:
        done = evidence.history.epochs[-1]["epoch"] if evidence.history.epochs else 0
        return [Finding("no_end", "warning",
                        f"the run has no end record after epoch {done} of {epochs}: it is "
                        "still training, or its process was killed",
                        f"metrics.jsonl ends with epoch {done}; a run that stops by itself (or "
                        "on Ctrl-C, SIGTERM or a NaN) writes an end record", [resume],
                        epoch=done)]
    status, epoch, step = end["status"], end["epoch"], end["step"]
    where = f"at epoch {epoch} of {epochs} (step {step})"
    if status == "early_stopped":
        metric, best = evidence.best()
        best_epoch, best = best or (None, None)
        return [Finding("early_stopped", "note",
                        f"training stopped early {where}: {metric} had stopped improving",
                        f"train.patience {evidence.setting('train', 'patience')}; best {metric} "
                        f"{metric_text(metric, best)} at epoch {best_epoch}, kept in best.npz",
                        [f"simplegrad eval {evidence.checkpoint('best.npz')}"], epoch=epoch,
                        step=step)]
    if status in STOPPED:
        severity, what, message = STOPPED[status]
        return [Finding(status, severity, f"training {what} {where}",
                        end.get("message", message), [resume], epoch=epoch, step=step)]
    return []


def class_imbalance(evidence, found):
    """Training classes of very different sizes (or missing), from the start record."""
    counts = (evidence.start or {}).get("class_counts")
    if not counts or len(counts) < 2:
        return []
    largest, smallest = max(counts), min(counts)
    if smallest and largest < IMBALANCE * smallest:
        return []
    big, small = counts.index(largest), counts.index(smallest)
    ratio = f"{largest / smallest:.1f}x" if smallest else "no examples at all"
    empty = [str(c) for c, n in enumerate(counts) if n == 0]
    missing = f"; classes with no training example: {', '.join(empty)}" if empty else ""
    return [Finding(
        "class_imbalance", "warning",
        f"the classes are imbalanced: class {big} has {plural(largest, 'training example')}, "
        f"class {small} {smallest:,} ({ratio})",
        f"training examples per class: {counts}{missing}; accuracy then favours the large "
        "classes: read the per-class recall, and balance the data (or gather more of the "
        "small classes)",
        [f"simplegrad eval {evidence.checkpoint('best.npz')}"],
        values={"class_counts": counts})]


def without_diagnostics(evidence, found):
    """A hint: with train.diagnostics the doctor sees the layers too."""
    if evidence.diagnostics is not None:
        return []
    return [Finding("no_diagnostics", "note",
                    "the run was trained without diagnostics, so its layers were not examined "
                    "(dead units, vanishing or exploding gradients, update ratios)",
                    "no diagnostics.jsonl in the run folder",
                    [evidence.train_command(TURN_ON)])]
