"""The training loop: steps, validation, checkpoints, resume, signals and divergence. A checkpoint
holds all that changes, so `--resume` is bitwise identical to a run that never stopped."""
import copy
import math
import os
import signal
import time
from dataclasses import asdict, dataclass, field

import numpy as np
from simplegrad.checkpoint import CheckpointError, save_checkpoint
from simplegrad.data import DataLoader
from simplegrad.data.fingerprint import fingerprint
from simplegrad.nn import utils as nn_utils
from simplegrad.optim.lr_scheduler import CosineAnnealingLR

from simplegrad_cli.config.validation import absolute_source
from simplegrad_cli.errors import STOP_SIGNALS, CheckFailed, CliError, Interrupted, \
    signal_exit_code, signal_name, stopped_at_once
from simplegrad_cli.inputs.pictures import image_layout, picture_profile
from simplegrad_cli.run import build
from simplegrad_cli.run.anomaly_watch import anomalies_named
from simplegrad_cli.run.diagnostics import Diagnostics
from simplegrad_cli.run.evaluation import evaluate
from simplegrad_cli.run.hooks import Hooks, Step
from simplegrad_cli.run.run_metadata import RunMetadata
from simplegrad_cli.run.run_records import RunRecords
from simplegrad_cli.run.stored_run import TRAINING_ROWS, Each, check_same_config, non_finite, \
    resumable_state
from simplegrad_cli.words import mid_epoch_text, plural


@dataclass
class LoopState:
    """The loop's own counters, saved in checkpoints so a resumed run continues exactly."""

    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    best: float = None  # best value of train.metric so far
    best_epoch: int = None
    bad_evals: int = 0  # evaluations since the metric last improved
    loss_sum: float = 0.0  # running sums over the current (possibly interrupted) epoch
    correct: int = 0
    seen: int = 0
    epoch_time: float = 0.0
    log_loss: float = 0.0  # loss summed since the last step record in metrics.jsonl
    log_count: int = 0
    last_record: dict = field(default_factory=dict)


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP as a flag the loop checks between steps (then saves and
    stops); a second one, or the first with `at_once` (nothing to save yet), stops at once."""

    def __init__(self, at_once=False):
        self.signum, self.at_once = None, at_once

    def __enter__(self):
        self.previous = {s: signal.signal(s, self.handle) for s in STOP_SIGNALS}
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def handle(self, signum, frame):
        if self.at_once or self.signum is not None:  # asked twice: named as the second
            raise Interrupted(stopped_at_once(signum), exit_code=signal_exit_code(signum))
        self.signum = signum


def _saved_loop(state):
    """The loop counters a checkpoint stores; the last metrics record is stored once, as the
    checkpoint's `metrics`, so every value (the learning rate among them) appears once."""
    return {key: value for key, value in asdict(state).items() if key != "last_record"}


class Trainer:
    """One training run: built from a validated Config, optionally resumed from a checkpoint."""

    def __init__(self, cfg, folder, checkpoint=None, hooks=()):
        self.cfg, self.folder, self.checkpoint = cfg, folder, checkpoint
        self.state, self.stopped_by = LoopState(), None  # the error that ended the run, if one
        self.hooks = Hooks([*hooks, RunRecords(), *Diagnostics.of(cfg)])

    # ---- setup --------------------------------------------------------------------------
    def setup(self):
        """Load data, build model/optimizer/scheduler/loader (then `restore` a checkpoint)."""
        cfg = self.cfg
        self.data, self.model, self.rows, layers = build.build_run(cfg)
        self.resolved = resolved_values(cfg, layers)
        self.loss_fn = build.make_loss(cfg.values["loss"], self.data.num_classes)
        self.optimizer = build.make_optimizer(cfg, self.model.parameters())
        self.scheduler = build.make_scheduler(cfg, self.optimizer)
        d = cfg.values["data"]
        drop_last = build.drop_single_last_batch(cfg, self.rows, len(self.data.train))
        self.loader = DataLoader(self.data.train, batch_size=d["batch_size"],
                                 shuffle=d["shuffle"], drop_last=drop_last,
                                 seed=cfg.values["seed"])
        # what the checkpoints record of the training examples: their identity by content
        # (eval counts the ones it is asked to score) and how their pictures look (predict)
        self.fingerprint = fingerprint(self.data.train.x)
        self.pictures = picture_profile(self.data.train.x, image_layout(self.data.input_shape))

    def restore(self, checkpoint):
        """Put model, optimizer, scheduler, loader, RNG and loop counters back as saved."""
        check_same_config(checkpoint, self.resolved, self.cfg)
        saved = resumable_state(checkpoint, self.state_template(), self.model)
        try:
            checkpoint.restore(self.model, self.optimizer, self.scheduler)
            self.loader.load_state_dict(saved["loader"])
            last_record = dict(RunMetadata.read(checkpoint).metrics or {})
            self.state = LoopState(**saved["loop"], last_record=last_record)
        except (KeyError, TypeError, ValueError) as error:  # CheckpointError, DataError too
            raise CliError(f"{checkpoint.path}: cannot resume from this checkpoint: "
                           f"{error}") from None
        state = {"model": self.model.state_dict(), "optim": self.optimizer.state_dict()}
        bad = next(non_finite(state), None)
        if bad is not None:  # training would diverge at its first step
            raise CliError(f"{checkpoint.path}: cannot resume from this checkpoint: {bad} holds "
                           "NaN or infinite values; resume from an earlier checkpoint (such as "
                           "best.npz) or train afresh")

    def replan_schedule(self):
        """After `restore`: a cosine schedule whose length came from train.epochs is stretched
        (or shrunk) to the new --epochs; returns a line saying so, or None if nothing changed."""
        s, scheduler = self.cfg.values["scheduler"], self.scheduler
        cosine = getattr(scheduler, "after", None) or scheduler
        if not isinstance(cosine, CosineAnnealingLR) or s["t_max"] is not None:
            return None
        old, new = cosine.T_max, max(1, self.cfg.values["train"]["epochs"] - s["warmup_epochs"])
        if old == new:
            return None
        before = self.optimizer.lr
        cosine.T_max = new
        self.optimizer.lr = scheduler.lr_at(scheduler.last_epoch)
        planned, epochs = old + s["warmup_epochs"], self.cfg.values["train"]["epochs"]
        return (f"the cosine schedule planned for {planned} epochs is re-planned over {epochs} "
                f"(cosine length {old} -> {new} epochs): lr {before:.3g} -> "
                f"{self.optimizer.lr:.3g} at epoch {self.state.epoch + 1}, so this run matches "
                f"neither a never-stopped {planned}-epoch run nor a {epochs}-epoch run trained "
                f"from the start (set scheduler.t_max for a fixed length)")

    def state_template(self):
        """What the saved optimizer/scheduler/loader/loop state must look like."""
        optimizer, dtype = self.optimizer.state_dict(), self.optimizer.params[0].data.dtype
        per_weight = {**{name: np.zeros(0, dtype) for name in self.optimizer.state_arrays},
                      **{name: 0 for name in self.optimizer.state_counters}}
        optimizer["state"] = Each(per_weight)  # as the optimizer declares it: no probe step
        loop = _saved_loop(LoopState())
        return {"optimizer": optimizer, "loader": self.loader.state_dict(), "loop": loop,
                "scheduler": self.scheduler.state_dict() if self.scheduler else None}

    def checkpoint_bytes(self):
        """Rough size of one checkpoint: the weights plus the optimizer's per-weight state."""
        per_weight = 1 + len(self.optimizer.state_arrays)  # SGD: momentum; Adam: two moments
        return 4 * per_weight * self.model.num_parameters() + self.fingerprint.nbytes + 100_000

    # ---- saving -------------------------------------------------------------------------
    def metadata(self):
        """The run's RunMetadata as it stands now (what each checkpoint records)."""
        d = self.data
        return RunMetadata(
            name=self.cfg.name, epoch=self.state.epoch, step=self.state.step,
            config=self.resolved, metrics=self.state.last_record,
            data={"input_shape": list(d.input_shape), "num_classes": d.num_classes,
                  "class_names": d.class_names, "train_samples": len(d.train),
                  "val_samples": len(d.val) if d.val is not None else 0,
                  "pictures": self.pictures},
            loop=_saved_loop(self.state), loader=self.loader.state_dict())

    def save(self, path):
        """Write a checkpoint with everything needed to resume exactly."""
        try:
            save_checkpoint(path, self.model, self.optimizer, self.scheduler,
                            extra={TRAINING_ROWS: self.fingerprint},
                            **asdict(self.metadata()))
        except CheckpointError as error:  # disk full, read-only, removed folder...
            kept = f"the previous {path} is intact" if os.path.exists(path) else \
                "nothing was saved there"
            raise CliError(f"{error}; training stopped after step {self.state.step}; {kept}",
                           exit_code=1) from None
        self.hooks.on_save(self, path)

    # ---- the loop -----------------------------------------------------------------------
    def run(self):
        """Train to the configured number of epochs (or early stop); returns the run_summary.
        The hooks hear of every event, and of the end however the run ends."""
        state, epochs = self.state, self.cfg.values["train"]["epochs"]
        started = time.monotonic()
        status = "failed"
        self.hooks.on_train_start(self)
        try:
            # overflow is detected (and reported once) by the finiteness checks, not by warnings
            with StopSignals() as stop, np.errstate(over="ignore", invalid="ignore",
                                                    divide="ignore"), anomalies_named(self):
                while state.epoch < epochs:
                    seconds = self.train_epoch(stop)
                    if self.end_epoch(state.epoch, seconds):
                        status = "early_stopped"
                        break
                    if stop.signum is not None:  # also after the last epoch: never swallowed
                        self.interrupted(stop.signum, saved=True)
            status = "completed" if status == "failed" else status
        except Interrupted as error:
            status, self.stopped_by = "interrupted", error
            raise
        except CheckFailed as error:
            status, self.stopped_by = "diverged", error
            raise
        finally:
            self.hooks.on_train_end(self, status)
        return run_summary(self.folder, state, self.cfg.values["train"]["metric"],
                           self.model.num_parameters(), status, time.monotonic() - started)

    def train_epoch(self, stop):
        """Run the (rest of the) current epoch's steps; returns the epoch's seconds so far."""
        state, loader = self.state, self.loader
        epoch, steps = state.epoch, len(loader)
        done = loader.position if loader.position < steps else 0  # > 0 when resuming mid-epoch
        if done == 0:
            state.loss_sum, state.correct, state.seen, state.epoch_time = 0.0, 0, 0, 0.0
        self.hooks.on_epoch_start(self, epoch, steps, done)
        self.model.train()
        epoch_start = time.monotonic() - state.epoch_time
        for batch, (x, y) in enumerate(loader, start=done + 1):
            loss = self.step(x, y, epoch, batch, steps)
            state.epoch_time = time.monotonic() - epoch_start
            self.hooks.on_step(self, Step(epoch, batch, steps, loss, self.optimizer.lr,
                                          state.loss_sum / state.seen, state.correct / state.seen,
                                          state.seen / max(state.epoch_time, 1e-9)))
            if stop.signum is not None and batch < steps:
                self.interrupted(stop.signum, batch=batch, steps=steps)
        return time.monotonic() - epoch_start

    def step(self, x, y, epoch, batch, steps):
        """One optimisation step on a batch, with the NaN/inf checks and running metrics;
        returns its loss."""
        state, t = self.state, self.cfg.values["train"]
        out = self.model(x)
        loss = self.loss_fn(out, y)
        loss_value = float(loss.data)
        if not math.isfinite(loss_value):
            self.diverged("loss", loss_value, epoch, batch, steps)
        self.optimizer.zero_grad()
        loss.backward()
        clip = t["grad_clip"] if t["grad_clip"] is not None else math.inf
        norm = nn_utils.clip_grad_norm(self.optimizer.params, clip)  # inf: only measures
        if not math.isfinite(norm):
            self.diverged("gradient norm", norm, epoch, batch, steps)
        self.optimizer.step()
        state.step += 1
        state.loss_sum += loss_value * len(y.data)
        state.correct += int(np.count_nonzero(np.argmax(out.data, -1) == y.data))
        state.seen += len(y.data)
        state.log_loss += loss_value
        state.log_count += 1
        if state.step % t["log_every"] == 0:
            self.folder.log.append({"type": "step", "epoch": epoch + 1, "step": state.step,
                                        "loss": state.log_loss / state.log_count,
                                        "lr": self.optimizer.lr})
            state.log_loss, state.log_count = 0.0, 0
        return loss_value

    def end_epoch(self, epoch, seconds):
        """Validate, step the schedule, record metrics, save last/best; True = stop early."""
        cfg, state, folder = self.cfg, self.state, self.folder
        self.check_weights(epoch)
        t = cfg.values["train"]
        record = {"type": "epoch", "epoch": epoch + 1, "step": state.step,
                  "train_loss": state.loss_sum / state.seen,
                  "train_accuracy": state.correct / state.seen, "lr": self.optimizer.lr}
        evaluated = (epoch + 1) % t["eval_every"] == 0 or epoch + 1 == t["epochs"]
        if self.data.val is not None and evaluated:
            result = evaluate(self.model, self.data.val, self.loss_fn, self.data.num_classes)
            if not math.isfinite(result["loss"]):  # nothing of this epoch is kept or saved
                self.diverged("validation loss", result["loss"], epoch,
                              where=f"after step {state.step} (end of the epoch)")
            record["val_loss"], record["val_accuracy"] = result["loss"], result["accuracy"]
        record["time_s"] = seconds
        record["samples_per_s"] = state.seen / max(seconds, 1e-9)
        if self.scheduler is not None:
            self.scheduler.step()
        state.epoch = epoch + 1
        state.last_record = record
        folder.log.append(record)
        self.hooks.on_epoch_end(self, epoch, record)
        value = record.get(t["metric"])
        stop = False
        if value is not None:
            higher_is_better = t["metric"].endswith("accuracy")
            if state.best is None or (value > state.best if higher_is_better
                                      else value < state.best):
                state.best, state.best_epoch, state.bad_evals = value, epoch + 1, 0
                self.save(folder.best)
            else:
                state.bad_evals += 1
                stop = t["patience"] is not None and state.bad_evals >= t["patience"]
        self.save(folder.last)
        if stop:
            self.hooks.on_message(self, f"early stopping: {t['metric']} has not improved for "
                                        f"{plural(state.bad_evals, 'evaluation')} (best "
                                        f"{state.best:.4f} at epoch {state.best_epoch})")
        return stop

    def interrupted(self, signum, batch=0, steps=0, saved=False):
        """Save where we are (mid-epoch if need be) and stop with exit code 130 (Ctrl-C),
        143 (SIGTERM) or 129 (SIGHUP)."""
        if not saved:
            self.check_weights(self.state.epoch, batch, steps)
            self.save(self.folder.last)
        state, epochs = self.state, self.cfg.values["train"]["epochs"]
        where = (mid_epoch_text(state.epoch, state.step, batch, steps) if batch
                 else f"after epoch {state.epoch} (step {state.step})")
        then = (f"continue with simplegrad train --resume {self.folder.last}"
                if state.epoch < epochs else f"all {epochs} epochs were trained")
        raise Interrupted(f"{signal_name(signum)}: stopped {where}; saved {self.folder.last}; "
                          f"{then}", exit_code=signal_exit_code(signum))

    def check_weights(self, epoch, batch=0, steps=0):
        """Before a checkpoint is saved: every weight and buffer must be finite (an update can
        overflow even when the loss and gradient that made it were finite)."""
        name = next(non_finite(self.model.state_dict()), None)
        if name is not None:
            where = f"batch {batch} of {steps}" if batch else "end of the epoch"
            self.diverged(f"weight {name}", "not finite", epoch,
                          where=f"after step {self.state.step} ({where})")

    def diverged(self, what, value, epoch, batch=0, steps=0, where=None):
        """Stop on a NaN/inf loss, gradient or weight, keeping the last good checkpoint."""
        where = where or f"step {self.state.step + 1} (batch {batch} of {steps})"
        error = CheckFailed(f"training diverged: {what} is {value} at epoch {epoch + 1}, "
                            f"{where}; stopped, {self.kept()}; try a lower optimizer.lr or "
                            "train.grad_clip")
        error.details = {"non_finite": what}  # for the run's end record
        raise error

    def kept(self):
        """What a run stopped by a non-finite value keeps: 'last good checkpoint: ...'."""
        return (f"last good checkpoint: {self.folder.last} (epoch {self.state.epoch})"
                if os.path.exists(self.folder.last) else "no checkpoint was saved yet")


def run_summary(folder, state, metric, parameters, status, seconds):
    """A run's result as `train --json` prints it: paths, metrics and timings."""
    return {"status": status, "run_dir": folder.path, "config": folder.config,
            "metrics_file": folder.metrics, "last_checkpoint": folder.last,
            "best_checkpoint": folder.best if state.best is not None
            and os.path.exists(folder.best) else None,
            "epochs": state.epoch, "steps": state.step, "metric": metric, "best": state.best,
            "best_epoch": state.best_epoch,
            "final": {k: v for k, v in state.last_record.items() if k != "type"},
            "parameters": parameters, "time_s": round(seconds, 3)}


def resolved_values(cfg, layers=None):
    """The config a run stores: a local data source made absolute and, once the model is
    built, the layers with their inferred sizes (before, those sizes may still be null)."""
    values = copy.deepcopy(cfg.values)
    values["data"]["source"] = absolute_source(values["data"]["source"])
    if layers is not None:
        values["model"] = layers
    return values
