"""One sweep trial's process: `python -I -m simplegrad_cli train ...` (isolated: a yaml.py where
the sweep started is never imported), which saves and ends when the sweep dies, even by kill -9:
it reads a pipe whose write end only the sweep holds, and the kernel closes that end."""
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
