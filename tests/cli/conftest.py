"""Fixtures for the CLI tests: a work folder, config files, an in-process runner."""
import textwrap

import pytest
from cli_helpers import TINY
from typer.testing import CliRunner

from simplegrad_cli.main import app


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run each test in its own folder, so default run folders (runs/NAME) land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write_config(workdir):
    """write_config(text=TINY, name="tiny.yaml") -> path of a config file in the work dir."""
    def write(text=TINY, name="tiny.yaml"):
        path = workdir / name
        path.write_text(textwrap.dedent(text))
        return str(path.name)
    return write


@pytest.fixture
def cli(workdir):
    """cli(*args) runs `simplegrad ARGS` in-process and returns the Result
    (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, [str(a) for a in args])
    return run
