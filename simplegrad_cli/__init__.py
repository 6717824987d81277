"""simplegrad_cli: the `simplegrad` command; main.py declares it, config/ reads configs, run/
trains, commands/ holds one module per command, ui/ prints."""
import os
import signal
import sys

from simplegrad_cli.errors import INTERRUPTED_LINE, STOP_SIGNALS, signal_exit_code, \
    stopped_at_once  # noqa: F401  (INTERRUPTED_LINE: kept importable from the package)


def interrupted_while_starting(signum, frame):
    """Ctrl-C, SIGTERM or SIGHUP while the command is still importing: the one line and exit
    code 130/143/129, never a traceback through the imports nor a silent kill (boundary.py takes
    Ctrl-C over once it is ready; `train` and `sweep` take all three over while they run)."""
    try:
        os.write(2, (stopped_at_once(signum) + "\n").encode())
    except OSError:
        pass
    os._exit(signal_exit_code(signum))


if os.path.basename(sys.argv[0] if sys.argv else "") == "simplegrad":  # the console script
    for _signum in STOP_SIGNALS:
        signal.signal(_signum, interrupted_while_starting)
