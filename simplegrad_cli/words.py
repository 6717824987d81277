"""How the CLI words counts, metrics and places in a run: the same in every command, message
and table."""
import math


def plural(count, word):
    """'1 epoch', '3 epochs', '10,000 samples': a count with its noun in the right number."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def mid_epoch_text(epoch, step, batch, steps):
    """Where a run stopped inside an epoch, worded the same by `train` and `info`:
    'in epoch 4 at batch 12 of 30 (3 epochs completed, step 102)'."""
    return (f"in epoch {epoch + 1} at batch {batch} of {steps} ({plural(epoch, 'epoch')} "
            f"completed, step {step})")


def metric_text(metric, value):
    """A metric's value as shown: accuracies in percent (96.10%), losses with four decimals
    (0.1234), '-' for none."""
    if value is None:
        return "-"
    return f"{value * 100:.2f}%" if metric.endswith("accuracy") else f"{value:.4f}"


def format_metrics(record):
    """'loss 0.1234 acc 96.10%  val 0.1534 95.20%  lr 0.001  2.3s' from an epoch record
    (missing keys skipped): an epoch line fits 80 columns."""
    def shown(*forms):
        return " ".join(form.format(record[key]) for key, form in forms
                        if record.get(key) is not None)

    val = shown(("val_loss", "{:.4f}"), ("val_accuracy", "{:.2%}"))
    parts = [shown(("train_loss", "loss {:.4f}"), ("train_accuracy", "acc {:.2%}")),
             val and f"val {val}", shown(("lr", "lr {:.3g}")), shown(("time_s", "{:.1f}s"))]
    return "  ".join(part for part in parts if part)


def clock(seconds):
    """'0:01:23' for a number of seconds, '-:--:--' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "-:--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
