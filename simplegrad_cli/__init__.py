"""simplegrad_cli: the `simplegrad` command (train / eval / gradcheck / validate / info).

Thin over the library: config.py validates YAML, build.py turns it into data and a model,
train.py runs the loop, commands.py prints results, app.py wires it all to Typer.
"""
import os
import signal
import sys

INTERRUPTED_LINE = "interrupted by Ctrl-C: stopped at once, without saving"


def interrupted_while_starting(signum, frame):
    """Ctrl-C, SIGTERM or SIGHUP while the command is still importing: the one line and exit
    code 130/143/129, never a traceback through the imports nor a silent kill (app.py takes
    Ctrl-C over once it is ready; `train` and `sweep` take all three over while they run)."""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    try:
        os.write(2, f"interrupted by {name}: stopped at once, without saving\n".encode())
    except OSError:
        pass
    os._exit(128 + int(signum))


if os.path.basename(sys.argv[0] if sys.argv else "") == "simplegrad":  # the console script
    for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(_signum, interrupted_while_starting)
