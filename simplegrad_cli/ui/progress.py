"""Training progress on stderr: one plain line per epoch in logs and pipes, rich bars with
loss, accuracy, samples/s and ETAs on a terminal."""
import sys
import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from simplegrad_cli.run.hooks import Hook
from simplegrad_cli.ui.console import PrintableConsole, info
from simplegrad_cli.words import clock, format_metrics


def run_eta(epochs, epoch, done, steps, seconds_per_step, epoch_seconds=()):
    """Seconds left: the rest of epoch `epoch` (0-based; `done` of `steps` batches) at the
    step pace, plus each later epoch at the mean whole-epoch time (else the step pace)."""
    if seconds_per_step is None:
        return None
    per_epoch = sum(epoch_seconds) / len(epoch_seconds) if epoch_seconds else \
        seconds_per_step * steps
    return seconds_per_step * (steps - done) + per_epoch * (epochs - epoch - 1)


class PlainTrainDisplay(Hook):
    """One line per epoch on stderr: for logs and pipes (no colours, no control characters)."""

    def on_train_start(self, trainer):
        self.epochs = trainer.cfg.values["train"]["epochs"]

    def on_epoch_end(self, trainer, epoch, record):
        self.on_message(trainer, f"epoch {epoch + 1}/{self.epochs}  {format_metrics(record)}")

    def on_message(self, trainer, text):
        info(text)


class RichTrainDisplay(PlainTrainDisplay):
    """Epoch and step progress bars with loss, accuracy, samples/s and ETAs on a terminal,
    laid out to fit an 80-column terminal with full-width bars; gone when the run ends."""

    def __init__(self, console=None):
        self.console = console or PrintableConsole(stderr=True)
        self.last_draw = 0.0
        self.epoch_seconds = []  # wall time of each whole epoch seen (for the run's ETA)
        self.epoch_started = None

    def on_train_start(self, trainer):
        super().on_train_start(trainer)
        bar = max(10, min(30, self.console.width - 62))  # the text columns take 62 at most
        self.progress = Progress(
            TextColumn("{task.description:>5}"), BarColumn(bar_width=bar),
            MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
            console=self.console, transient=True)
        self.epoch_task = self.progress.add_task("epoch", total=self.epochs, stats="")
        self.step_task = self.progress.add_task("step", total=1, stats="")
        self.progress.start()

    def on_epoch_start(self, trainer, epoch, steps, done):
        now = time.monotonic()
        if self.epoch_started is not None and self.first_done == 0:
            self.epoch_seconds.append(now - self.epoch_started)
        self.epoch, self.steps, self.first_done, self.epoch_started = epoch, steps, done, now
        self.progress.update(self.epoch_task, completed=epoch)
        self.progress.reset(self.step_task, total=steps, completed=done, stats="")

    def on_step(self, trainer, step):
        now, done = time.monotonic(), step.batch
        if now - self.last_draw < 0.1 and done < self.steps:
            return  # redraw at most ten times a second: formatting is not free
        self.last_draw = now
        ran = done - self.first_done
        per_step = (now - self.epoch_started) / ran if ran > 0 else None
        rest = per_step * (self.steps - done) if per_step is not None else None
        total = run_eta(self.epochs, self.epoch, done, self.steps, per_step, self.epoch_seconds)
        stats = (f"loss {step.running_loss:.4f} acc {step.running_accuracy * 100:.1f}% "
                 f"{step.samples_per_s:,.0f}/s eta {clock(rest)}")
        self.progress.update(self.step_task, completed=done, stats=stats)
        self.progress.update(self.epoch_task, stats=f"eta {clock(total)}")

    def on_epoch_end(self, trainer, epoch, record):
        self.progress.update(self.epoch_task, completed=epoch + 1)
        super().on_epoch_end(trainer, epoch, record)

    def on_message(self, trainer, text):
        self.console.print(text, highlight=False, markup=False)

    def on_train_end(self, trainer, status):
        self.progress.stop()


def train_display():
    """The progress hook for stderr: bars on a terminal, plain lines in logs and pipes."""
    return RichTrainDisplay() if sys.stderr.isatty() else PlainTrainDisplay()
