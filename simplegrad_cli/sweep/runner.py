"""A sweep's trials: each a `simplegrad train` process in SWEEP_DIR/trial-NNNN that the pruner
stops with SIGTERM; the study lives in an RDB storage, so running again continues it."""
import json
import math
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

from simplegrad.atomic import write_text
from simplegrad.errors import first_line
from simplegrad.memory import MemoryLimitError, check_fits, format_bytes

from simplegrad_cli.config.validation import absolute_source
from simplegrad_cli.config.yaml_source import flatten_config
from simplegrad_cli.errors import STOP_SIGNALS, CheckFailed, CliError, ConfigError, Interrupted, \
    signal_exit_code, signal_name
from simplegrad_cli.redact import redact
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs
from simplegrad_cli.run.run_folder import LOCK_FILE, RunFolder
from simplegrad_cli.sweep.display import shown_params
from simplegrad_cli.sweep.optuna_adapter import HEARTBEAT_S, Study, optuna
from simplegrad_cli.sweep.trial import trial_command, trial_env
from simplegrad_cli.trackers.group import SweepGroup
from simplegrad_cli.ui.console import printable
from simplegrad_cli.words import metric_text

POLL_S = 0.2  # how often running trials are checked
HOPELESS = 3  # this many failed trials in a row, from the start, stop the sweep
UNCOUNTED = ("interrupted", "over budget")  # failed trials that give their place back
THREAD_VARIABLES = ("SIMPLEGRAD_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
TRIAL_PROCESS_BYTES = 60_000_000  # one `simplegrad train` of a tiny config: 53 MB measured
SWEEP_FILES = ("trials.jsonl", "best.yaml", "study.db")


class TrialRun:
    """One trial on this machine: its Optuna trial, process, run folder and progress."""

    def __init__(self, trial, params, folder, process):
        self.trial, self.params, self.folder, self.process = trial, params, folder, process
        self.number = trial.number
        self.started, self.ended = time.monotonic(), None
        self.offset = 0  # bytes of metrics.jsonl already read
        self.values = {}  # epoch -> metric value
        self.pruned = self.stopped = self.taken = False
        self.outcome = "running"
        self.value = self.error = None

    @property
    def epoch(self):
        """Epochs reported so far."""
        return max(self.values, default=0)

    @property
    def seconds(self):
        """Wall time from the trial's start to its end (or to now, while it runs)."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    def new_values(self, metric):
        """(epoch, value) pairs of the metric in the new epoch records of the trial's log."""
        records, self.offset = self.folder.log.follow(self.offset)
        return [(int(r["epoch"]), float(r[metric])) for r in records
                if r.get("type") == "epoch" and isinstance(r.get(metric), (int, float))]


class SweepRunner:
    """Runs a validated Sweep against an Optuna study until the study has its trials."""

    def __init__(self, sweep, storage=None, join=False, log_to=None):
        optuna()  # nothing is written without it
        self.sweep, self.join, self.screen = sweep, join, None
        s = sweep.settings
        base = sweep.trial_config({}).values
        self.log_to = log_to  # --log-to, passed on to each trial; the group holds them all
        self.group = SweepGroup(base["train"]["log_to"] if log_to is None else log_to,
                                s["study"], s["out"], base, sweep.base_name)
        self.out = RunFolder(s["out"])
        self.metric, self.maximize = s["metric"], s["mode"] == "max"
        self.jobs, self.target = s["jobs"], s["trials"]
        try:  # each trial is a Python process: 1,024 of them would take the machine down
            check_fits(self.jobs * TRIAL_PROCESS_BYTES, f"{self.jobs} trials at once (about "
                       f"{format_bytes(TRIAL_PROCESS_BYTES)} per trial process)")
        except MemoryLimitError as error:
            raise ConfigError(f"{error}; lower it", path="jobs",
                              where=sweep.origins.get(("jobs",), sweep.file)) from None
        if s["sampler"]["name"] == "grid":
            self.target = min(self.target, math.prod(len(p.values) for p in sweep.params))
        self.url = storage if storage is not None else \
            "sqlite:///" + os.path.abspath(os.path.join(s["out"], "study.db"))
        if self.url.startswith(("postgresql://", "postgres://")):  # the psycopg 3 driver
            self.url = "postgresql+psycopg://" + self.url.split("://", 1)[1]
        self.runs, self.finished_here = [], []
        self.stop_signal = None

    # ---- the study ----------------------------------------------------------------------
    def open_study(self):
        """Create or load the study (checking that a loaded one searches the same space)."""
        in_folder = self.url.startswith("sqlite:///")  # the default: SWEEP_DIR/study.db
        if in_folder:  # locked before the database is created inside it
            self.take_folder()
        s = self.sweep.settings
        try:
            self.study = Study(self.url, s["study"], self.maximize, s["pruner"],
                               self.sweep.max_epochs())
        except ImportError as error:
            raise CliError(f"storage {redact(self.url)}: its database driver is not "
                           f"installed ({error}); for PostgreSQL: pip install "
                           '"simplegrad[sweep]"') from None
        except Exception as error:  # noqa: BLE001  (SQLAlchemy reports bad URLs many ways)
            raise CliError(f"cannot open the study storage {redact(self.url)}: "
                           f"{first_line(error)}") from None
        if not in_folder:
            self.take_folder()  # before this sweep changes anything in the study
        signature = self.sweep.signature()
        stored = self.study.attrs.get("sweep")
        different = next((k for k in signature if k in (stored or {}) and
                          signature[k] != stored[k]), None)
        if different is not None:
            raise CliError(f"study '{self.sweep.settings['study']}' in {redact(self.url)} "
                           f"was created with another {different} "
                           f"({_change(stored[different], signature[different])}); use "
                           "--study NAME (or another --out) for a new study")
        if stored != signature:  # new, or from a version that recorded less
            self.study.set_attr("sweep", signature)
        if not self.join:  # alone on the study: trials still 'running' were left by a stop
            self.study.fail_running("interrupted")
        spec, done = s["sampler"], len(self.study.trials())
        seed = spec["seed"] if spec["seed"] is not None else \
            self.sweep.trial_config({}).values["seed"]
        # moved by the trials done (and a join worker's pid): a continued study draws anew
        self.study.use_sampler(spec, seed + done + (os.getpid() if self.join else 0),
                               {p.name: p.values for p in self.sweep.params})

    def take_folder(self):
        """Lock the sweep folder until the end (another sweep there would fail our trials);
        it must not hold (or be inside) any of the sweep's inputs."""
        sweep = self.sweep
        inputs = [(sweep.file, "the sweep file"), (sweep.base_file, "the base config")] + \
            data_inputs(sweep.trial_config({}).values["data"]["source"])
        for name in (".",) + SWEEP_FILES:
            refuse_inputs(os.path.join(self.out.path, name), inputs)
        self.out = RunFolder.open(self.out.path)
        self.out.start()

    @staticmethod
    def counted(trial):
        """Does a trial use up one of the study's trials? (Not if it was interrupted.)"""
        return trial.state != "fail" or trial.attrs.get("outcome") not in UNCOUNTED + (None,)

    def hopeless(self):
        """The first trials here all failed (bad data, say): stop instead of failing them all."""
        first = self.finished_here[:HOPELESS]
        return len(first) == HOPELESS and all(r.outcome == "failed" for r in first)

    def ask(self):
        """The next trial, or None when the study has (or is running) all its trials."""
        if self.hopeless():
            return None
        self.study.fail_stale()
        if sum(map(self.counted, self.study.trials())) >= self.target:
            return None
        trial = self.study.ask(self.sweep.params)
        counted = sorted(t.number for t in self.study.trials() if self.counted(t))
        if trial.number not in counted[:self.target]:  # another worker asked at the same time
            self.study.tell(trial, "fail", outcome="over budget")
            return None
        return trial

    # ---- trials -------------------------------------------------------------------------
    def start(self, trial):
        """Start `simplegrad train` for a trial in SWEEP_DIR/trial-NNNN."""
        folder = RunFolder(os.path.join(self.out.path, f"trial-{trial.number:04d}"))
        os.makedirs(folder.path, exist_ok=True)
        try:  # claimed (locked) while empty; the trial's `simplegrad train` then locks it
            folder.lock()
            if os.listdir(folder.path) != [LOCK_FILE]:
                raise CliError(f"{folder.path}: already exists, from another study; use "
                               "another --out or delete the folder")
        except CliError:
            self.study.tell(trial, "fail", outcome="interrupted")  # it never ran
            raise
        finally:
            folder.unlock()
        self.study.set_trial_attrs(trial, folder=folder.path, host=socket.gethostname())
        args = ["train", self.sweep.base_file, "--out", folder.path, "--json"]
        if self.log_to is not None:
            args += ["--log-to", ",".join(self.log_to) or "none"]
        for text in self.sweep.trial_overrides(trial.params):
            args += ["--set", text]
        with open(os.path.join(folder.path, "train.json"), "wb") as stdout, \
                open(os.path.join(folder.path, "train.log"), "wb") as stderr:
            process = subprocess.Popen(trial_command(args), stdout=stdout,
                                       stderr=stderr, stdin=subprocess.DEVNULL,
                                       env=self.trial_env(), pass_fds=self.lifeline[:1],
                                       start_new_session=True)  # Ctrl-C reaches us only
        run = TrialRun(trial, dict(trial.params), folder, process)
        self.runs.append(run)
        self.screen.started(run)

    def trial_env(self):
        """This process's environment with BLAS limited to one job's share of the cores, and
        the pipe end the trial watches."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            os.cpu_count() or 1
        share = str(max(1, cores // self.jobs))
        return trial_env(self.lifeline[0], dict(os.environ, **self.group.env,
                                                **dict.fromkeys(THREAD_VARIABLES, share)))

    def follow(self, run):
        """Report new epochs to Optuna; stop the trial (SIGTERM) if the pruner says so."""
        for epoch, value in run.new_values(self.metric):
            if run.pruned or run.taken or epoch in run.values:
                continue  # after the pruning decision, later epochs are not the trial's
            run.values[epoch] = value
            if not math.isfinite(value):
                continue  # never reported: finish() fails the trial
            prune, run.taken = self.study.report(run.trial, value, epoch)  # taken: failed by
            prune = prune and not run.stopped  # another worker (no heartbeat)
            if (prune or run.taken) and not run.stopped and run.process.poll() is None:
                run.process.send_signal(signal.SIGTERM)
            run.pruned = run.pruned or prune
            run.stopped = run.stopped or run.taken

    def finish(self, run):
        """The trial's process has ended: tell Optuna how it went."""
        self.follow(run)
        run.ended = time.monotonic()
        code = run.process.returncode
        if code == 0 and run.pruned:  # it trained to its end before the SIGTERM: a whole run
            run.pruned, run.offset = False, 0
            run.values = dict(run.new_values(self.metric))
        values = list(run.values.values())
        broken = next((epoch for epoch, value in run.values.items()
                       if not math.isfinite(value)), None)
        if run.pruned:
            run.outcome = "pruned"
        elif run.stopped:
            run.outcome = "interrupted"
        elif code == 0 and values and broken is None:
            run.outcome, run.value = "completed", (max if self.maximize else min)(values)
        else:
            run.outcome, run.error = "failed", self.failure(run, broken)
        state = "complete" if run.outcome == "completed" else "pruned" if run.pruned else "fail"
        if not self.study.tell(run.trial, state, run.value, epochs=run.epoch, outcome=run.outcome,
                               time_s=round(run.seconds, 3), error=run.error):
            run.outcome = "interrupted"  # another worker failed it meanwhile (no heartbeat)
        self.runs.remove(run)
        self.finished_here.append(run)
        self.screen.finished(run, self.best())
        self.write_outputs()

    def failure(self, run, broken_epoch):
        """Why a trial failed: a metric that is not finite, else its log's last line."""
        if broken_epoch is not None:
            return f"{self.metric} is not finite ({run.values[broken_epoch]}) at epoch " \
                   f"{broken_epoch}"
        try:
            log = Path(run.folder.path, "train.log").read_text("utf-8", "replace").strip()
        except OSError:
            log = ""
        if log:
            return log.split("\n")[-1].strip()
        code = run.process.returncode
        return f"exit code {code}" + ("" if run.values else f"; no {self.metric} recorded")

    # ---- the loop -----------------------------------------------------------------------
    def run(self, screen):
        """Run trials (`jobs` at a time, shown on `screen`) until the study is full."""
        self.screen = screen
        started = time.monotonic()
        self.group.open(screen.message)  # trials log as one group (an MLflow parent run...)
        previous = {s: signal.signal(s, self.on_signal) for s in STOP_SIGNALS}
        self.lifeline = os.pipe()  # trials read it; its end tells them this process died
        try:
            self.loop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for run in list(self.runs):  # an unexpected error: leave no trial behind
                run.stopped = True
                run.process.kill()
                run.process.wait()
                self.finish(run)
            for fd in self.lifeline:
                os.close(fd)
            self.group.close("interrupted" if self.stop_signal is not None else "completed",
                             screen.message)
        self.write_outputs()
        if self.hopeless() and self.stop_signal is None:
            first = self.finished_here[0]
            raise CheckFailed(f"stopped: the first {HOPELESS} trials failed (trial "
                              f"{first.number}: {first.error}); see {first.folder.path}/"
                              "train.log")
        if self.stop_signal is not None:
            raise Interrupted(stopped_line(self.stop_signal, self.finished_here),
                              exit_code=signal_exit_code(self.stop_signal))
        return self.summary(time.monotonic() - started)

    def loop(self):
        """Start trials while there is room, follow the running ones, until none is left."""
        last_beat = 0.0
        while True:
            while self.stop_signal is None and len(self.runs) < self.jobs:
                trial = self.ask()
                if trial is None:
                    break
                self.start(trial)
            if not self.runs:
                return
            if time.monotonic() - last_beat > HEARTBEAT_S / 2:
                self.study.heartbeat(run.trial for run in self.runs)
                last_beat = time.monotonic()
            for run in list(self.runs):
                if run.process.poll() is None:
                    self.follow(run)
                else:
                    self.finish(run)
            self.screen.tick()
            time.sleep(POLL_S)

    def on_signal(self, signum, frame):
        """First Ctrl-C/SIGTERM: stop the running trials (they save); second: kill them."""
        first = self.stop_signal is None
        self.stop_signal = self.stop_signal or signum
        for run in self.runs:
            run.stopped = True
            if run.process.poll() is None:
                run.process.send_signal(signal.SIGTERM if first else signal.SIGKILL)
        self.screen.message("stopping: running trials save and stop (Ctrl-C again: kill them)"
                            if first else "killing the running trials")

    # ---- results ------------------------------------------------------------------------
    def best(self):
        """The best completed trial of the whole study (any worker), or None."""
        done = [t for t in self.study.trials() if t.state == "complete"]
        pick = max if self.maximize else min
        return pick(done, key=lambda t: (t.value, -t.number)) if done else None

    def trial_records(self):
        """One dict per trial of the study, in trial order (what trials.jsonl holds)."""
        records = []
        for t in self.study.trials():
            outcome = "running" if t.state == "running" else t.attrs.get("outcome") or t.state
            records.append({
                "number": t.number, "outcome": outcome, "value": t.value, "params": t.params,
                "epochs": t.attrs.get("epochs", t.reported),
                **{key: t.attrs.get(key) for key in ("time_s", "folder", "host", "error")}})
        return records

    def write_outputs(self):
        """trials.jsonl (every trial of the study) and best.yaml, each written atomically."""
        write_text(os.path.join(self.out.path, "trials.jsonl"),
                   "".join(json.dumps(r) + "\n" for r in self.trial_records()))
        best = self.best()
        if best is None:
            return
        # the base config with the best trial's values: a complete config to train as is,
        # from any folder (data.source absolute) into a folder of this sweep's own
        by_name = {p.name: p.path for p in self.sweep.params}
        cfg = self.sweep.trial_config({by_name[k]: v for k, v in best.params.items()
                                       if k in by_name},
                                      out=os.path.join(os.path.abspath(self.out.path), "best"))
        cfg.values["data"]["source"] = absolute_source(cfg.values["data"]["source"])
        path = os.path.join(self.out.path, "best.yaml")
        shown = metric_text(self.metric, best.value)
        comments = [f"best of sweep {self.sweep.settings['study']!r}: trial {best.number}, "
                    f"{self.metric} {shown}", shown_params(best.params),
                    f"train it: simplegrad train {path}"]
        write_text(path, "".join(f"# {printable(line)}\n" for line in comments) +
                   cfg.to_yaml())

    def summary(self, seconds):
        """The --json summary: counts, the best trial, every trial, timings."""
        records = self.trial_records()
        best = self.best()
        return {
            "study": self.sweep.settings["study"], "storage": redact(self.url),
            "sweep_dir": self.out.path, "metric": self.metric,
            "mode": self.sweep.settings["mode"], "trials": self.target,
            "counts": dict(Counter(r["outcome"] for r in records)),
            "ran_here": [r.number for r in self.finished_here],
            "best": None if best is None else {
                "number": best.number, "value": best.value, "params": best.params,
                "folder": best.attrs.get("folder"),
                "config": os.path.join(self.out.path, "best.yaml")},
            "trials_file": os.path.join(self.out.path, "trials.jsonl"),
            "trial_records": records, "time_s": round(seconds, 3)}


def _change(old, new):
    """'optimizer.lr: 0.01 -> 0.02' for the first key of two configs that differs, or the
    old value as JSON when they are not configs."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return json.dumps(old)
    old, new = flatten_config(old), flatten_config(new)
    missing = object()
    key = next(k for k in list(new) + list(old) if old.get(k, missing) != new.get(k, missing))
    return f"{key}: {json.dumps(old.get(key))} -> {json.dumps(new.get(key))}"


def stopped_line(signum, runs):
    """The line a stopped sweep ends with: which interrupted trials kept a checkpoint."""
    stopped = [run for run in runs if run.outcome == "interrupted"]
    kept = [f"{os.path.basename(run.folder.path)} " + (
        "keeps last.npz" if os.path.exists(run.folder.last) else "had saved no checkpoint")
        for run in stopped]
    return (f"{signal_name(signum)}: sweep stopped; {len(stopped)} running trial(s) marked "
            f"interrupted{' (' + '; '.join(kept) + ')' if kept else ''}; run the same command "
            "again to continue the study")
