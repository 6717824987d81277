"""Tests that start the `simplegrad` command in a process work when its console script is not
on PATH: they run `python -m simplegrad_cli`, the same command."""
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_the_command_runs_without_the_console_script_on_path(tmp_path):
    code = ("import subprocess; from simplegrad_command import SIMPLEGRAD; "
            "result = subprocess.run([*SIMPLEGRAD, '--version'], capture_output=True, "
            "text=True); print(SIMPLEGRAD[1:], result.returncode, result.stdout.split()[0])")
    env = {**os.environ, "PATH": os.pathsep.join(["/usr/bin", "/bin"]),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split("\n")[0] == "['-m', 'simplegrad_cli'] 0 simplegrad", result.stderr
