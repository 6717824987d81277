"""`python -m simplegrad_cli`: the `simplegrad` command without its console script (a PATH
without the script, a sweep's trial process), starting up as the script does."""
import signal

from simplegrad_cli import interrupted_while_starting
from simplegrad_cli.errors import STOP_SIGNALS

if __name__ == "__main__":
    for _signum in STOP_SIGNALS:  # one line, never a traceback, until main.py takes over
        signal.signal(_signum, interrupted_while_starting)
    from simplegrad_cli.sweep.trial import watch_parent

    watch_parent()  # in a sweep's trial: stop (saving) when the sweep dies
    from simplegrad_cli.main import main

    main()
