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
    """With -s or -rA, how many fuzz examples ran, by test and exit code."""
    from fuzz_helpers import COUNTS

    if COUNTS:
        total = sum(COUNTS.values())
        rows = ", ".join(f"{test} exit {code}: {n}" for (test, code), n in sorted(COUNTS.items()))
        terminalreporter.write_line(f"fuzz examples: {total} ({rows})")
