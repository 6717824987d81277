"""What a training run tells whoever watches it (progress display, diagnostics, trackers, tests):
a hook overrides the events it needs, each called with the trainer, so all of the run is at hand."""
import contextlib
from dataclasses import dataclass

_INSTALLED = []  # hooks every Trainer of this process gets besides its own (see `installed`)


@dataclass(frozen=True)
class Step:
    """One optimizer step as `on_step` sees it: where it was (0-based epoch, batch of steps),
    its loss and learning rate, and the epoch's running loss, accuracy and samples/s."""

    epoch: int
    batch: int
    steps: int
    loss: float
    lr: float
    running_loss: float
    running_accuracy: float
    samples_per_s: float


class Hook:
    """The events of a training run, each a no-op here."""

    def on_train_start(self, trainer):
        """The run is built (or restored) and about to take its first step."""

    def on_epoch_start(self, trainer, epoch, steps, done):
        """Epoch `epoch` (0-based) of `steps` batches starts, `done` of them already run (a run
        resumed in the middle of an epoch)."""

    def on_step(self, trainer, step):
        """An optimizer step finished (a `Step`); trainer.state.step counts them."""

    def on_epoch_end(self, trainer, epoch, record):
        """Epoch `epoch` finished: `record` is its line of metrics.jsonl (losses, accuracies,
        learning rate, time)."""

    def on_save(self, trainer, path):
        """A checkpoint was written to `path`."""

    def on_message(self, trainer, text):
        """A status line for the user (early stopping...)."""

    def on_train_end(self, trainer, status):
        """The run ended: completed, early_stopped, interrupted, diverged or failed."""


class Hooks:
    """Hooks called as one: `hooks.on_step(trainer, step)` calls each hook's `on_step`."""

    def __init__(self, hooks=()):
        self.hooks = list(hooks)

    def __getattr__(self, event):
        def call(*args):
            for hook in self.hooks + _INSTALLED:
                getattr(hook, event)(*args)
        return call


@contextlib.contextmanager
def installed(*hooks):
    """Give every Trainer of this process `hooks` too, while the block runs (a program that
    runs the command in-process, or a test injecting a fault at an exact step)."""
    _INSTALLED.extend(hooks)
    try:
        yield
    finally:
        for hook in hooks:
            _INSTALLED.remove(hook)
