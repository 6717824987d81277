"""The process of one sweep trial: `simplegrad train`, which ends (saving, as on SIGTERM) when
the sweep that started it dies, even by kill -9. It holds the read end of a pipe whose write end
only the sweep holds; the kernel closes that end when the sweep dies, and the read returns."""
import os
import signal
import sys
import threading


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
    from simplegrad_cli.app import main as simplegrad

    simplegrad()
