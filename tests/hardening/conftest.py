"""Fixtures for the hardening tests: a work folder with the hub offline, and the fuzz report."""
import pytest

from hardening_helpers import offline_env


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Run in a fresh folder, offline, with no shared dataset caches."""
    for key, value in offline_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pytest_terminal_summary(terminalreporter):
    """How many fuzz examples ran, by exit code (with -v, by test and exit code too)."""
    from fuzz_helpers import COUNTS, summary_lines

    for line in summary_lines(COUNTS, terminalreporter.config.option.verbose > 0):
        terminalreporter.write_line(line)
