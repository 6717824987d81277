"""Helpers shared by the tracker tests (tests/ is on sys.path): what a tracker should hold of a
run (from its metrics.jsonl), and a real `mlflow server` on a free loopback port."""
import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

START_TIMEOUT_S = 240  # a cold start on a busy two-core machine takes 15-30 s


def expected_series(run_dir):
    """{metric: [(step, value)...]} a tracker should hold: every number of the step and epoch
    records of the run's metrics.jsonl at its step, each (name, step) once (an epoch record
    repeats `lr` and `epoch` of the step record at the same step)."""
    series = {}
    for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["type"] in ("start", "end"):  # how the run began and ended: no metrics
            continue
        for name, value in record.items():
            if name in ("type", "step") or not isinstance(value, (int, float)):
                continue
            points = series.setdefault(name, [])
            if record["step"] not in [step for step, _ in points]:
                points.append((record["step"], float(value)))
    return series


def assert_same_series(found, expected, rel=1e-6):
    """Tracker series equal metrics.jsonl's: same names, same steps in order, values within
    `rel` (TensorBoard keeps float32)."""
    assert sorted(found) == sorted(expected)
    for name, points in expected.items():
        assert [step for step, _ in found[name]] == [step for step, _ in points], name
        for (_, value), (_, want) in zip(found[name], points):
            assert abs(value - want) <= rel * max(1.0, abs(want)), (name, value, want)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MlflowServer:
    """`mlflow server` with a SQLite backend store and an artifact root in a temp folder, on
    a free loopback port; `launch` starts it without waiting, `url` waits until it answers."""

    def __init__(self):
        self.process = self.folder = None

    def launch(self):
        atexit.register(self.stop)  # however the session ends
        self.folder = tempfile.mkdtemp(prefix="sg-mlflow-")
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        # no job runner (MLflow 3's GenAI jobs): its seven worker processes would triple the
        # server's start-up time and CPU on a two-core machine, for nothing a test uses
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        log = open(os.path.join(self.folder, "server.log"), "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{self.folder}/mlflow.db",
             "--artifacts-destination", os.path.join(self.folder, "artifacts")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True)  # its workers too: stopped as one process group
        log.close()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def url(self):
        """The server's URL once /health answers (launched again if it was stopped)."""
        if not self.alive:
            self.stop()
            self.launch()
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5):
                    return url
            except OSError:
                if not self.alive or time.monotonic() > deadline:
                    log = Path(self.folder, "server.log").read_text(errors="replace")
                    raise RuntimeError(f"mlflow server did not start:\n{log[-3000:]}")
                time.sleep(0.2)

    def kill(self):
        """Stop the server at once, as a crash would (its port closes)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self):
        self.kill()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


MLFLOW = MlflowServer()  # one per test session (conftest launches it once a test needs it)
