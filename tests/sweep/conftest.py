"""Fixtures for the sweep tests: a work folder holding the tiny config, and ways to run sweeps."""
import json
import subprocess
import textwrap

import pytest
from sweep_helpers import TINY, command, env
from typer.testing import CliRunner

from simplegrad_cli.main import app


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh folder with tiny.yaml in it, as the current directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY)
    return tmp_path


@pytest.fixture
def sweep_file(workdir):
    """sweep_file(text, name="s.yaml") writes a sweep file and returns its name."""
    def write(text, name="s.yaml"):
        (workdir / name).write_text(textwrap.dedent(text))
        return name
    return write


@pytest.fixture
def cli(workdir):
    """cli(*args): `simplegrad ARGS` in-process (for errors found before any trial runs)."""
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def run(workdir):
    """run(*args) -> CompletedProcess of `simplegrad ARGS` as a real process (trials are
    processes, and Ctrl-C is a signal); `.json` holds the parsed stdout when it is JSON."""
    def go(*args, timeout=600):
        result = subprocess.run(command(*args), cwd=workdir, env=env(), capture_output=True,
                                text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        try:
            result.json = json.loads(result.stdout)
        except ValueError:
            result.json = None
        return result
    return go
