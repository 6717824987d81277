"""The learning-rate range test (L. Smith, "Cyclical learning rates", 2017) behind `simplegrad
lr-find`: from the config's initial weights, train for a few hundred steps while the learning
rate grows exponentially from tiny to huge, and watch the smoothed loss. It stays flat while the
rate is too small to matter, falls, then blows up; a good rate lies well below the one where
the loss was lowest, where it still fell steeply."""
import math
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

SMOOTHING = 0.9  # the loss's exponential moving average (bias-corrected) that stops the test
BLOW_UP = 4.0  # ... once it is this many times its lowest
WINDOW = 40  # the loss drawn and read is its centred mean over 1/WINDOW of the steps each side
FELL = 0.1  # the loss must have fallen by a tenth of where it started, or no rate is suggested
BELOW_MINIMUM = 10.0  # the suggestion: the rate at the lowest loss, divided by this...
STILL_FALLING = 0.2  # ...if the loss had by then made a fifth of its fall; else where it made
# half of it


@dataclass
class RangeTest:
    """The rates tried, the losses they gave, those losses smoothed (a centred mean: no lag
    behind the rate) and why the test ended."""

    lrs: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    smoothed: list = field(default_factory=list)
    ended: str = "every step was taken"


def range_test(trainer, start, end, steps, stopped=lambda: False):
    """Run the test on a set-up Trainer (its model, loss, optimizer and loader; nothing is
    saved): rate `start` at the first step to `end` at step `steps`; `stopped()` is asked after
    each step (a Ctrl-C) and ends the test early."""
    test, average, lowest = RangeTest(), 0.0, math.inf
    factor = (end / start) ** (1 / max(steps - 1, 1))
    batches = _endless(trainer.loader)
    trainer.model.train()
    with np.errstate(all="ignore"):  # huge rates overflow: that is the point
        for step in range(steps):
            lr = start * factor ** step
            trainer.optimizer.lr = lr
            x, y = next(batches)
            loss = trainer.loss_fn(trainer.model(x), y)
            value = float(loss.data)
            if not math.isfinite(value):
                test.ended = f"the loss was {value} at lr {lr:.3g}"
                break
            trainer.optimizer.zero_grad()
            loss.backward()
            trainer.optimizer.step()
            test.lrs.append(lr)
            test.losses.append(value)
            average = SMOOTHING * average + (1 - SMOOTHING) * value
            smoothed = average / (1 - SMOOTHING ** (step + 1))
            lowest = min(lowest, smoothed)
            if smoothed > BLOW_UP * lowest:
                test.ended = f"the loss passed {BLOW_UP:g}x its lowest at lr {lr:.3g}"
                break
            if stopped():
                test.ended = f"stopped at step {step + 1} of {steps}"
                break
    test.smoothed = centred_mean(test.losses, max(1, steps // WINDOW)).tolist()
    return test


def centred_mean(values, half):
    """Each value replaced by the mean of those up to `half` places either side of it."""
    window = np.ones(2 * half + 1)
    values = np.asarray(values, np.float64)
    if not len(values):
        return values
    # the middle of the full convolution: one value per step even with fewer steps than the window
    sums, counts = (np.convolve(v, window)[half:half + len(values)]
                    for v in (values, np.ones_like(values)))
    return sums / counts


def _endless(loader):
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


Suggestion = namedtuple("Suggestion", "lr reason")  # a learning rate (None: none found), why


def suggest(test):
    """The Suggestion from a RangeTest, by the rules of BELOW_MINIMUM and STILL_FALLING (both in
    the steep part of the curve); no rate if the loss never fell by FELL of where it started."""
    lrs, smoothed = np.array(test.lrs), np.array(test.smoothed)
    if len(smoothed) < 3:
        return Suggestion(None, f"the test ended after {len(smoothed)} steps ({test.ended}); "
                                "start from a smaller rate (--start)")
    lowest = int(np.argmin(smoothed))
    first, least = smoothed[0], smoothed[lowest]
    if first - least < FELL * first:
        return Suggestion(None, f"the smoothed loss never fell by {FELL:.0%} (from {first:.4g} "
                                f"to at best {least:.4g}, lr {lrs[0]:.3g} to {lrs[-1]:.3g}); "
                                "check the data and the model before the rate")
    tenth = lrs[lowest] / BELOW_MINIMUM
    fallen = (first - np.interp(np.log(tenth), np.log(lrs), smoothed)) / (first - least)
    facts = (f"the smoothed loss fell from {first:.4g} to its lowest, {least:.4g}, at lr "
             f"{lrs[lowest]:.3g}; the test ended when {test.ended}")
    if fallen >= STILL_FALLING:
        return Suggestion(_round(tenth), f"{facts}; a tenth of the rate at the lowest loss, "
                                         "where the loss was still falling, trains fast and "
                                         "stays clear of the blow-up")
    half = lrs[int(np.argmax(smoothed[:lowest + 1] <= (first + least) / 2))]
    return Suggestion(_round(half), f"{facts}; a tenth of that rate is where the loss had "
                                    f"hardly begun to fall, so the rate where it had made half "
                                    f"its fall, {half:.3g}, is suggested")


def _round(lr):
    """A rate to one significant digit (3e-4), as people write them."""
    return float(f"{lr:.1g}")
