"""Shared by the hardening tests: a tiny valid config, the real command, one-line checks.

Imported as a top-level module (pytest puts tests/hardening on sys.path).
"""
import os
import subprocess
from pathlib import Path

from simplegrad_command import SIMPLEGRAD

TINY = (Path(__file__).resolve().parent / "fixtures" / "tiny_config.yaml").read_text()


def offline_env(root):
    """Environment for a subprocess: no network, no shared caches, no colours."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(root / "hf-home"),
               SIMPLEGRAD_CACHE=str(root / "sg-cache"), NO_COLOR="1", PYTHONWARNINGS="")
    env.pop("FORCE_COLOR", None)
    return env


def run(args, cwd, env=None, timeout=120):
    """Run `simplegrad ARGS` in a process with stdin closed; returns the CompletedProcess."""
    return subprocess.run([*SIMPLEGRAD, *map(str, args)], cwd=cwd, env=env or offline_env(cwd),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def error_line(stderr):
    """The single line an error printed on stderr (asserting one line and no traceback)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{stderr}"
    return lines[0]


def assert_words(line, words):
    """Every expected word (case-insensitive) appears in the error line."""
    missing = [word for word in words if word.lower() not in line.lower()]
    assert not missing, f"{missing} not in: {line}"


def invoke(*args):
    """`simplegrad ARGS` in-process (Typer's CliRunner); returns the Result (exit_code,
    stdout, stderr). Much faster than a process, for fuzzing and fault injection."""
    from typer.testing import CliRunner

    from simplegrad_cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])
