"""Helpers shared by the CLI tests (imported as a top-level module: tests/cli is on sys.path)."""
from pathlib import Path

TINY = (Path(__file__).resolve().parents[1] / "fixtures" / "tiny_config.yaml").read_text()


def one_line(result):
    """The single line a failing command printed on stderr (asserting there is exactly one)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
