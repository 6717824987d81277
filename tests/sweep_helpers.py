"""Helpers shared by the sweep tests (tests/ is on sys.path): run this checkout's CLI."""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = (ROOT / "tests" / "fixtures" / "tiny_config.yaml").read_text()
MAIN = "from simplegrad_cli.main import main; main()"


def command(*args, prelude=""):
    """argv running this checkout's `simplegrad ARGS` in a new Python process."""
    return [sys.executable, "-c", prelude + MAIN, *map(str, args)]


def env():
    """The environment for such a process: this checkout first on the path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def read_jsonl(path):
    """The records of a .jsonl file."""
    return [json.loads(line) for line in Path(path).read_text().splitlines()]
