"""A sweep trial's process: it imports no code from the folder the sweep was started in, and it
ends (saving, as on SIGTERM) when the sweep that started it dies, even by kill -9."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from sweep_helpers import command, env

pytestmark = pytest.mark.usefixtures("tiny_yaml")  # every sweep trains tiny.yaml

POISON = "open({marker!r}, 'a').write(__name__ + '\\n')\nraise SystemExit('imported ' + __name__)\n"
MODULES = ("yaml", "numpy", "json", "random", "typer", "rich", "simplegrad")


def alive(pid):
    """Whether process `pid` runs (a zombie nobody reaped has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_python_m_simplegrad_cli_runs_the_command(workdir):
    result = subprocess.run([sys.executable, "-m", "simplegrad_cli", "--version"], env=env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("simplegrad "), result.stderr


def test_a_trial_imports_no_module_from_the_working_folder(workdir):
    from simplegrad_cli.sweep.trial import trial_command, trial_env

    marker = workdir / "imported.txt"
    for name in MODULES:
        (workdir / f"{name}.py").write_text(POISON.format(marker=str(marker)))
    read, write = os.pipe()
    try:
        result = subprocess.run(trial_command(["validate", "tiny.yaml"]), cwd=workdir,
                                env=trial_env(read, env()), pass_fds=(read,),
                                capture_output=True, text=True, timeout=120)
    finally:
        os.close(read)
        os.close(write)
    assert result.returncode == 0, result.stderr
    assert "tiny.yaml: OK" in result.stdout and not marker.exists()


def test_trials_end_when_the_sweep_is_killed(workdir, sweep_file):
    name = sweep_file("""\
        config: tiny.yaml
        trials: 2
        jobs: 2
        sampler: random
        pruner: none
        space:
          optimizer.lr: {loguniform: [1.0e-3, 1.0e-1]}
        """)
    sweep = subprocess.Popen(command("sweep", name, "--set", "train.epochs=100000"),
                             cwd=workdir, env=env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    folders = [workdir / "sweeps" / "s" / f"trial-{n:04d}" for n in (0, 1)]
    deadline = time.monotonic() + 120
    while not all((f / "last.npz").exists() for f in folders):
        assert time.monotonic() < deadline and sweep.poll() is None, "no trial trained"
        time.sleep(0.1)
    pids = [int(re.match(r"pid (\d+)", (f / ".lock").read_text())[1]) for f in folders]
    assert all(map(alive, pids))
    sweep.send_signal(signal.SIGKILL)
    sweep.wait(timeout=60)
    deadline = time.monotonic() + 120
    while any(map(alive, pids)):
        assert time.monotonic() < deadline, "trials still train after the sweep was killed"
        time.sleep(0.1)
    for folder in folders:  # each saw the sweep die and stopped as on SIGTERM: saved, said so
        assert "SIGTERM" in (folder / "train.log").read_text()
