"""stderr that can fail without stopping the run: closed, full, or a reader that went away.

Progress and messages are not worth losing a training run for; the run still saves its
checkpoints and the exit code still says how it ended.
"""
import os
import sys


class QuietStderr:
    """A text stream that passes everything to `stream` and ignores its write errors."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        """Write `text`, or drop it if stderr cannot take it."""
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self):
        """Flush, ignoring a stderr that cannot take more."""
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


def guard_stderr():
    """Make sys.stderr safe to write for the rest of the command. A closed file descriptor 2
    is reopened on /dev/null first, so no file this process opens can land on it."""
    if sys.stderr is None:
        try:
            os.fstat(2)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != 2:
                os.dup2(null, 2)
                os.close(null)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    if not isinstance(sys.stderr, QuietStderr):
        sys.stderr = QuietStderr(sys.stderr)
