"""Output: progress and messages on stderr (rich bars on a terminal, plain lines in logs),
results on stdout (rich tables or JSON), so `--json` pipes cleanly."""
import json
import math
import shutil
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from simplegrad_cli.errors import printable
from simplegrad_cli.redact import redact


def printable_lines(text):
    """`text` with the control and invisible characters of each line escaped (newlines
    kept), so a name in a file can never clear the screen or retitle the terminal."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def info(text):
    """A plain progress/status line on stderr."""
    sys.stderr.write(printable_lines(text) + "\n")
    sys.stderr.flush()


class PrintableConsole(Console):
    """A rich Console that escapes non-printable characters in every string it renders
    (messages, titles, table cells), whatever file or checkpoint they came from."""

    def render_str(self, text, **options):
        """Render `text` with its control and invisible characters escaped."""
        return super().render_str(printable_lines(text), **options)


def plural(count, word):
    """'1 epoch', '3 epochs', '10,000 samples': a count with its noun in the right number."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def mid_epoch_text(epoch, step, batch, steps):
    """Where a run stopped inside an epoch, worded the same by `train` and `info`:
    'in epoch 4 at batch 12 of 30 (3 epochs completed, step 102)'."""
    return (f"in epoch {epoch + 1} at batch {batch} of {steps} ({plural(epoch, 'epoch')} "
            f"completed, step {step})")


def print_json(value):
    """A command's result as JSON on stdout; NaN and infinities (not JSON) become null, and
    credentials in strings are masked."""
    def strict(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, str):
            return redact(item)
        if isinstance(item, dict):
            return {key: strict(v) for key, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [strict(v) for v in item]
        return item

    sys.stdout.write(json.dumps(strict(value), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def say(console, *lines):
    """Print plain lines of results on `console` (their text is never markup)."""
    for line in lines:
        console.print(line, highlight=False, markup=False)


def metric_text(metric, value):
    """A metric's value as shown: accuracies in percent (96.10%), losses with four decimals
    (0.1234), '-' for none."""
    if value is None:
        return "-"
    return f"{value * 100:.2f}%" if metric.endswith("accuracy") else f"{value:.4f}"


def results_console():
    """A rich Console on stdout: colours only on a terminal, a wide layout when piped."""
    return PrintableConsole(width=output_width(120))


def output_width(default):
    """Columns for results on stdout: $COLUMNS when set (in a pipe too), else the terminal's
    width, else `default`."""
    return shutil.get_terminal_size((default, 24)).columns


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


def run_eta(epochs, epoch, done, steps, seconds_per_step, epoch_seconds=()):
    """Seconds left: the rest of epoch `epoch` (0-based; `done` of `steps` batches) at the
    step pace, plus each later epoch at the mean whole-epoch time (else the step pace)."""
    if seconds_per_step is None:
        return None
    per_epoch = sum(epoch_seconds) / len(epoch_seconds) if epoch_seconds else \
        seconds_per_step * steps
    return seconds_per_step * (steps - done) + per_epoch * (epochs - epoch - 1)


class PlainTrainDisplay:
    """One line per epoch on stderr: for logs and pipes (no colours, no control characters)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def begin_epoch(self, epoch, steps, done=0):
        """An epoch (0-based) with `steps` batches starts (`done` already run, when resuming)."""

    def step(self, done, loss, accuracy, samples_per_s):
        """A step finished: `done` batches of this epoch, running loss/accuracy, throughput."""

    def end_epoch(self, epoch, record):
        """An epoch finished; print its summary line."""
        self.message(f"epoch {epoch + 1}/{self.epochs}  {format_metrics(record)}")

    def message(self, text):
        """A status line (checkpoint saved, early stopping...)."""
        info(text)

    def close(self):
        """Stop drawing (nothing to do for plain output)."""


class RichTrainDisplay(PlainTrainDisplay):
    """Epoch and step progress bars with loss, accuracy, samples/s and ETAs on a terminal,
    laid out to fit an 80-column terminal with full-width bars."""

    def __init__(self, epochs, console=None):
        super().__init__(epochs)
        self.console = console or PrintableConsole(stderr=True)
        bar = max(10, min(30, self.console.width - 62))  # the text columns take 62 at most
        self.progress = Progress(
            TextColumn("{task.description:>5}"), BarColumn(bar_width=bar),
            MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
            console=self.console, transient=True)
        self.epoch_task = self.progress.add_task("epoch", total=epochs, stats="")
        self.step_task = self.progress.add_task("step", total=1, stats="")
        self.last_draw = 0.0
        self.epoch_seconds = []  # wall time of each whole epoch seen (for the run's ETA)
        self.epoch_started = None
        self.progress.start()

    def begin_epoch(self, epoch, steps, done=0):
        now = time.monotonic()
        if self.epoch_started is not None and self.first_done == 0:
            self.epoch_seconds.append(now - self.epoch_started)
        self.epoch, self.steps, self.first_done, self.epoch_started = epoch, steps, done, now
        self.progress.update(self.epoch_task, completed=epoch)
        self.progress.reset(self.step_task, total=steps, completed=done, stats="")

    def step(self, done, loss, accuracy, samples_per_s):
        now = time.monotonic()
        if now - self.last_draw < 0.1 and done < self.steps:
            return  # redraw at most ten times a second: formatting is not free
        self.last_draw = now
        ran = done - self.first_done
        per_step = (now - self.epoch_started) / ran if ran > 0 else None
        rest = per_step * (self.steps - done) if per_step is not None else None
        total = run_eta(self.epochs, self.epoch, done, self.steps, per_step, self.epoch_seconds)
        stats = (f"loss {loss:.4f} acc {accuracy * 100:.1f}% {samples_per_s:,.0f}/s "
                 f"eta {clock(rest)}")
        self.progress.update(self.step_task, completed=done, stats=stats)
        self.progress.update(self.epoch_task, stats=f"eta {clock(total)}")

    def end_epoch(self, epoch, record):
        self.progress.update(self.epoch_task, completed=epoch + 1)
        super().end_epoch(epoch, record)

    def message(self, text):
        self.console.print(text, highlight=False, markup=False)

    def close(self):
        self.progress.stop()


def table(title, columns, rows, console=None):
    """Print a title line and a rich table on stdout: `columns` are headers (right-aligned if
    they start with '>'), `rows` are lists of already formatted strings."""
    console = console or results_console()
    console.print(printable(title), style="bold", highlight=False, markup=False)
    grid = Table(show_edge=False, pad_edge=False)
    for column in columns:
        right = column.startswith(">")
        grid.add_column(column.lstrip(">"), justify="right" if right else "left")
    for row in rows:
        grid.add_row(*[printable(cell) for cell in row])
    console.print(grid)
