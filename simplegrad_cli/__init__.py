"""simplegrad_cli: the `simplegrad` command (train / eval / gradcheck / validate / info).

Thin over the library: config.py validates YAML, build.py turns it into data and a model,
train.py runs the loop, commands.py prints results, app.py wires it all to Typer.
"""
import os
import signal
import sys

INTERRUPTED_LINE = "interrupted by Ctrl-C: stopped at once, without saving"


def interrupted_while_starting(signum, frame):
    """Ctrl-C while the command is still importing: the one line and exit code 130, never a
    traceback through the imports (app.py takes over once it is ready)."""
    try:
        os.write(2, (INTERRUPTED_LINE + "\n").encode())
    except OSError:
        pass
    os._exit(130)


if os.path.basename(sys.argv[0] if sys.argv else "") == "simplegrad":  # the console script
    signal.signal(signal.SIGINT, interrupted_while_starting)
