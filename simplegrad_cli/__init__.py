"""simplegrad_cli: the `simplegrad` command; config.py validates YAML, build.py makes data and
a model, train.py runs the loop, commands.py prints results, app.py wires them to Typer."""
import os
import signal
import sys


def stopped_at_once(signum):
    """The line for a stop signal that ends the command at once, without saving."""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    return f"interrupted by {name}: stopped at once, without saving"


INTERRUPTED_LINE = stopped_at_once(signal.SIGINT)


def interrupted_while_starting(signum, frame):
    """Ctrl-C, SIGTERM or SIGHUP while the command is still importing: the one line and exit
    code 130/143/129, never a traceback through the imports nor a silent kill (app.py takes
    Ctrl-C over once it is ready; `train` and `sweep` take all three over while they run)."""
    try:
        os.write(2, (stopped_at_once(signum) + "\n").encode())
    except OSError:
        pass
    os._exit(128 + int(signum))


if os.path.basename(sys.argv[0] if sys.argv else "") == "simplegrad":  # the console script
    for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(_signum, interrupted_while_starting)
