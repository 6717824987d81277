"""stdout and stderr that outlive their readers: `simplegrad gradcheck | head -1` still exits
with gradcheck's code, and a closed or full stderr never stops a training run."""
import contextlib
import os
import sys


class _Wrapper:
    """A text stream's stand-in: writes and flushes go through `_call`, the rest to the stream."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        """Write `text`, or drop it if the stream cannot take it."""
        self._call(self.stream.write, text)
        return len(text)

    def flush(self):
        """Flush, or do nothing if the stream cannot take it."""
        self._call(self.stream.flush)


class PipeSafeStdout(_Wrapper):
    """Wraps a text stream; after the first BrokenPipeError, writes go nowhere."""

    gone = False

    def _call(self, method, *args):
        if self.gone:
            return
        try:
            method(*args)
        except BrokenPipeError:
            self.gone = True
            # what is still buffered (and Python's flush at exit) now goes to /dev/null; not
            # possible for a test runner's buffer, which nothing flushes at exit anyway
            with contextlib.suppress(OSError, ValueError, AttributeError):
                _to_devnull(self.stream.fileno())


class QuietStderr(_Wrapper):
    """A text stream that passes everything to `stream` and ignores its write errors."""

    def _call(self, method, *args):
        with contextlib.suppress(OSError, ValueError):
            method(*args)


def guard_stderr():
    """Make sys.stderr safe to write for the rest of the command. A closed file descriptor 2
    is reopened on /dev/null first, so no file this process opens can land on it."""
    if sys.stderr is None:
        try:
            os.fstat(2)
        except OSError:
            _to_devnull(2)
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
    if not isinstance(sys.stderr, QuietStderr):
        sys.stderr = QuietStderr(sys.stderr)


def _to_devnull(fd):
    """Point the file descriptor `fd` at /dev/null (a closed one too: opening takes its number)."""
    null = os.open(os.devnull, os.O_WRONLY)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)
