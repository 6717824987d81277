"""The README's quick start works as written: its test command is what CI runs, and the
commands of "The command at a glance" run in order on the offline config."""
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    quick_start = README.split("## Quick start", 1)[1]
    commands = re.findall(r"^(pip install .*?)\s+#", quick_start, re.M)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_command_table_runs_in_order(tmp_path):
    table = README.split("## The command at a glance", 1)[1].split("\n\n", 2)[1]
    commands = re.findall(r"^\| `(simplegrad [^`]*)`", table, re.M)
    assert len(commands) == 17
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    for command in commands:
        args = shlex.split(command)
        if "mnist" in command:  # needs the hub: only check that the config validates
            args = ["simplegrad", "train", "configs/mnist.yaml", "--print-config"]
        result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=300)
        assert result.returncode == 0, (command, result.stderr)


def test_the_quick_start_makes_a_virtual_environment_first():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    before = quick_start.split("pip install -e", 1)[0]
    assert "python3 -m venv .venv && . .venv/bin/activate" in before
    commands = re.findall(r"^(pip install .*?)\s+#", quick_start, re.M)
    assert len(commands) == 2  # still two commands
