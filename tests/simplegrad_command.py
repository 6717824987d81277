"""The `simplegrad` command as the tests start it in a process: the installed console script,
or, where it is not on PATH, this Python running `-m simplegrad_cli` (the same command).
Imported as a top-level module (pytest puts tests/ on sys.path)."""
import shutil
import sys

SIMPLEGRAD = [shutil.which("simplegrad") or sys.executable]
if SIMPLEGRAD[0] == sys.executable:
    SIMPLEGRAD += ["-m", "simplegrad_cli"]
