"""stdout that outlives its reader: `simplegrad gradcheck | head -1` must exit with the code
`simplegrad gradcheck` would, so when the pipe closes the rest of the output is dropped and
the command runs on to its real result instead of failing on BrokenPipeError."""
import os


class PipeSafeStdout:
    """Wraps a text stream; after the first BrokenPipeError, writes go nowhere."""

    def __init__(self, stream):
        self._stream = stream
        self._gone = False

    def write(self, text):
        """Write `text`, or drop it once the reader has gone."""
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self):
        """Flush, or do nothing once the reader has gone."""
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self):
        self._gone = True
        try:  # what is still buffered (and Python's flush at exit) now goes to /dev/null
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass  # not a real file (a test runner's buffer): nothing is flushed at exit

    def __getattr__(self, name):
        return getattr(self._stream, name)
