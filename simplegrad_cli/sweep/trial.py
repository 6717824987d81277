"""The process of one sweep trial: `python -I -m simplegrad_cli train ...`, isolated (neither
the working folder nor PYTHON* variables put code on the path, so a yaml.py or json.py where the
sweep was started is never imported), which ends (saving, as on SIGTERM) when the sweep that
started it dies, even by kill -9: it holds the read end of a pipe whose write end only the sweep
holds; the kernel closes that end when the sweep dies, and the read returns."""
import os
import signal
import sys
import threading

LIFELINE = "SIMPLEGRAD_SWEEP_LIFELINE"  # the environment variable naming the pipe's read end


def trial_command(args):
    """argv of a trial process running `simplegrad ARGS` (installed, isolated)."""
    return [sys.executable, "-I", "-m", "simplegrad_cli", *args]


def trial_env(fd, environ):
    """`environ` for a trial watching the sweep through the pipe end `fd` (pass it with
    pass_fds)."""
    return dict(environ, **{LIFELINE: str(fd)})


def watch_parent():
    """In a trial: SIGTERM this process once the sweep's pipe reaches its end (its writer is
    gone); nothing outside a trial."""
    fd = os.environ.pop(LIFELINE, None)
    if fd is None:
        return

    def wait():
        try:
            while os.read(int(fd), 1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="sweep-watch", daemon=True).start()
