"""Signals and pipes: every stop signal ends in one line, the right exit code and a
saved run; a stderr that cannot be written never stops training.

Signals are sent in-process at exact moments (after a chosen step, during the final
validation) or to a real process where start-up and file descriptors matter.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hardening_helpers import TINY, error_line, invoke, offline_env
from simplegrad_command import SIMPLEGRAD
from simplegrad.data import SourceSpec, load, sources, synthetic
from simplegrad_cli import INTERRUPTED_LINE
from simplegrad_cli.run.hooks import Hook

RUN_FILES = ["best.npz", "config.yaml", "last.npz", "metrics.jsonl"]
STEPS_PER_EPOCH = 10  # 160 training samples of the tiny config in batches of 16


def slow_source(action):
    """A data source `signal:NAME` that calls `action()` and then reads `synthetic:NAME`: the
    moment a signal or a long load is needed while the data loads."""
    def read(address, split="train", **options):
        action()
        return load(address.replace("signal:", "synthetic:"), split, **options)
    return SourceSpec("signal", "signal:NAME", "`signal:NAME`", "synthetic data, slowly", read,
                      synthetic.SOURCE.options, prefixes=("signal:",))


def _last_step(path):
    from simplegrad.checkpoint import load_checkpoint

    return load_checkpoint(path).metadata["step"]


def test_sighup_saves_and_exits_129_like_sigterm(workdir, signals_after_step):
    (workdir / "tiny.yaml").write_text(TINY)
    signals_after_step(13, signal.SIGHUP)
    result = invoke("train", "tiny.yaml", "--out", "run")
    assert result.exit_code == 129, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "SIGHUP: stopped in epoch 2 at batch 3 of 10 (1 epoch completed, step 13); saved "
        "run/last.npz; continue with simplegrad train --resume run/last.npz")
    assert _last_step("run/last.npz") == 13
    assert invoke("train", "--resume", "run/last.npz").exit_code == 0


def test_a_second_sigterm_is_reported_as_sigterm(workdir, signals_after_step):
    (workdir / "tiny.yaml").write_text(TINY)
    signals_after_step(4, signal.SIGTERM, signal.SIGTERM)
    result = invoke("train", "tiny.yaml", "--out", "run")
    assert result.exit_code == 143, result.stderr
    assert result.stderr.splitlines()[-1] == ("interrupted by SIGTERM: stopped at once, "
                                              "without saving")
    assert "Ctrl-C" not in result.stderr


def test_ctrl_c_during_the_final_validation_is_not_swallowed(workdir, train_hook):
    (workdir / "tiny.yaml").write_text(TINY)  # 2 epochs: the second validation is the last

    class CtrlCInFinalValidation(Hook):
        def on_train_start(self, trainer):
            loss, validations = trainer.loss_fn, []

            def watched(out, y):
                validations.extend([1] * (not trainer.model.training))
                if len(validations) == 2 and not trainer.model.training:
                    os.kill(os.getpid(), signal.SIGINT)
                return loss(out, y)
            trainer.loss_fn = watched
    train_hook(CtrlCInFinalValidation())
    result = invoke("train", "tiny.yaml", "--out", "run")
    assert result.exit_code == 130, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Ctrl-C: stopped after epoch 2 (step 20); saved run/last.npz; all 2 epochs were "
        "trained")
    assert _last_step("run/last.npz") == 20


def test_ctrl_c_while_typer_parses_prints_the_line(workdir, monkeypatch):
    import typer.core

    def make_context(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(typer.core.TyperGroup, "make_context", make_context)
    result = invoke("validate", "tiny.yaml")
    assert result.exit_code == 130
    assert error_line(result.stderr) == INTERRUPTED_LINE


def test_ctrl_c_while_the_command_imports_prints_the_line(workdir):
    """The console script imports simplegrad_cli, then Typer and the app: a Ctrl-C between
    the two (the slow imports) must give the line and 130, not a traceback."""
    script = ("import os, signal, sys\n"
              "sys.argv = ['simplegrad', '--help']\n"
              "import simplegrad_cli\n"
              "os.kill(os.getpid(), signal.SIGINT)\n"
              "from simplegrad_cli.main import main\n"
              "main()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True,
                            text=True, env=offline_env(workdir), timeout=60)
    assert result.returncode == 130, result.stderr
    assert error_line(result.stderr) == INTERRUPTED_LINE
    assert result.stdout == ""


STOPPED_AT_ONCE = {signal.SIGINT: (130, INTERRUPTED_LINE),
                   signal.SIGTERM: (143, "interrupted by SIGTERM: stopped at once, without "
                                         "saving"),
                   signal.SIGHUP: (129, "interrupted by SIGHUP: stopped at once, without "
                                        "saving")}


@pytest.mark.parametrize("signum", list(STOPPED_AT_ONCE), ids=lambda s: s.name)
def test_a_stop_signal_while_the_data_loads_prints_the_line(workdir, monkeypatch, signum):
    """Nothing is saved yet: the signal stops at once with its line and exit code, and no run
    folder is started (old code: SIGTERM and SIGHUP killed the process silently; here the
    test's own handler stands in for the kernel, so the old code fails instead)."""
    def killed(*args):
        raise AssertionError("the signal reached the default handler")
    (workdir / "tiny.yaml").write_text(TINY.replace("synthetic:spirals", "signal:spirals"))
    monkeypatch.setattr(sources, "SOURCES", [slow_source(
        lambda: os.kill(os.getpid(), signum))] + sources.SOURCES)
    previous = {s: signal.signal(s, killed) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        result = invoke("train", "tiny.yaml", "--out", "run")
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    code, line = STOPPED_AT_ONCE[signum]
    assert result.exit_code == code, result.stderr
    assert error_line(result.stderr) == line
    assert not (workdir / "run").exists()


def test_sigterm_from_outside_during_a_slow_data_load(workdir):
    """A real process whose data load takes a minute: SIGTERM ends it at once, in one line."""
    (workdir / "tiny.yaml").write_text(TINY.replace("synthetic:spirals", "signal:spirals"))
    prelude = ("import time\nfrom simplegrad.data import SourceSpec, sources, synthetic\n"
               "def slow(address, split, **options):\n"
               "    open('loading', 'w').close()\n    time.sleep(60)\n"
               "sources.SOURCES.insert(0, SourceSpec('signal', 'signal:NAME', '', '', slow, "
               "synthetic.SOURCE.options, prefixes=('signal:',)))\n"
               "from simplegrad_cli.main import main\nmain()\n")
    process = subprocess.Popen([sys.executable, "-c", prelude, "train", "tiny.yaml", "--out",
                                "run"], cwd=workdir, env=offline_env(workdir), text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (workdir / "loading").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert error_line(stderr) == STOPPED_AT_ONCE[signal.SIGTERM][1]
    assert not (workdir / "run").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_sigterm_or_sighup_while_the_command_imports_prints_the_line(workdir, signum):
    """Like Ctrl-C above: the console script's first import installs the handler, so a
    SIGTERM/SIGHUP during the slow imports is one line and 143/129 (old code: a silent kill)."""
    script = ("import os, signal, sys\n"
              "sys.argv = ['simplegrad', '--help']\n"
              "import simplegrad_cli\n"
              f"os.kill(os.getpid(), {int(signum)})\n"
              "from simplegrad_cli.main import main\n"
              "main()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True,
                            text=True, env=offline_env(workdir), timeout=60)
    code, line = STOPPED_AT_ONCE[signum]
    assert result.returncode == code, result.stderr
    assert error_line(result.stderr) == line
    assert result.stdout == ""


def _stderr_closed():
    os.close(2)


@pytest.mark.parametrize("stderr", ["closed", "full", "reader-gone"])
def test_training_never_stops_because_stderr_cannot_be_written(workdir, stderr):
    (workdir / "tiny.yaml").write_text(TINY)
    command = [*SIMPLEGRAD, "train", "tiny.yaml", "--out", "run", "--epochs", "3", "--json"]
    options = {"cwd": workdir, "env": offline_env(workdir), "stdin": subprocess.DEVNULL,
               "stdout": subprocess.PIPE}
    if stderr == "closed":
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL,
                                   preexec_fn=_stderr_closed, **options)
    elif stderr == "full":
        with open("/dev/full", "w") as full:
            process = subprocess.Popen(command, stderr=full, **options)
    else:
        process = subprocess.Popen(command, stderr=subprocess.PIPE, **options)
        process.stderr.close()  # like `simplegrad train ... 2>&1 | head -0`
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    assert json.loads(stdout)["epochs"] == 3
    assert sorted(os.listdir(workdir / "run")) == RUN_FILES
    assert _last_step(workdir / "run/last.npz") == 3 * STEPS_PER_EPOCH
