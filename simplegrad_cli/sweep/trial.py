"""The process of one sweep trial: how it is started (isolated) and what it runs, `simplegrad
train`, which ends (saving, as on SIGTERM) when the sweep that started it dies, even by
kill -9. It holds the read end of a pipe whose write end only the sweep holds; the kernel closes
that end when the sweep dies, and the read returns."""
import os
import signal
import sys
import threading

# Trials run isolated (-I): neither the working folder nor PYTHON* variables put code on the
# path, so a yaml.py or json.py where the sweep was started is never imported; the folder that
# holds this CLI comes last, for a checkout that is not installed.
BOOT = ("import sys; sys.path.append(sys.argv.pop(1)); "
        "from simplegrad_cli.sweep.trial import main; main()")
CODE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def trial_command(fd, args):
    """argv of a trial process: `simplegrad ARGS`, isolated, watching the sweep through the
    pipe end `fd` (to pass to it with pass_fds)."""
    return [sys.executable, "-I", "-c", BOOT, CODE, str(fd), *args]


def watch_parent(fd):
    """SIGTERM this process once the pipe `fd` reaches its end (its writer is gone)."""
    def wait():
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="sweep-watch", daemon=True).start()


def main():
    """argv: the pipe's fd, then the `simplegrad` arguments (train CONFIG ...)."""
    watch_parent(int(sys.argv.pop(1)))
    from simplegrad_cli.main import main as simplegrad

    simplegrad()
