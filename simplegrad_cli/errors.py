"""Errors the CLI reports as one line on stderr, and the exit codes they map to.

Every user mistake becomes a `CliError` here, or the library's own `InputError` (its
`CheckpointError`, `DataError`) or `WriteError`; `app.py` maps each type to its exit code in one
place and prints the one line, so users never see a traceback for their own mistakes (`--debug`
shows one).
"""
import signal

OK = 0
CHECK_FAILED = 1  # gradcheck mismatch, --min-accuracy not met, training diverged
USAGE = 2  # bad command line, config, checkpoint or data
INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGTERM gives 143 and SIGHUP (the terminal closed) 129
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # save, then stop


def signal_name(signum):
    """How messages name a stop signal: Ctrl-C for SIGINT, else the signal's own name."""
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


def signal_exit_code(signum):
    """The exit code after a stop signal: 128 + its number (130, 143, 129)."""
    return 128 + int(signum)


MAX_LINE = 2000  # characters; a longer message is cut, saying how much was left out


def printable(text):
    """`text` with every non-printable character (ESC, other controls, zero-width and bidi
    marks) written as its visible escape (`\\x1b`, `\\u200b`: the one `repr` uses), so nothing
    a file or a name holds can move the cursor, clear the screen or hide itself in our output."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def one_line(text):
    """A message as one printable line: whitespace and newlines collapsed, control and
    invisible characters escaped, and at most MAX_LINE characters (the rest summarised)."""
    text = printable(" ".join(str(text).split()))
    if len(text) > MAX_LINE:
        text = f"{text[:MAX_LINE]}... ({len(text) - MAX_LINE:,} more characters)"
    return text


class CliError(Exception):
    """A problem to report as `WHERE: KEY.PATH: message` and an exit code (2 by default)."""

    exit_code = USAGE

    def __init__(self, message, where=None, path=None, exit_code=None):
        super().__init__(one_line(message))
        self.message = one_line(message)
        self.where = where
        self.path = path
        if exit_code is not None:
            self.exit_code = exit_code

    def line(self):
        """The one-line report: location, key path and message, each only when known."""
        parts = [part for part in (self.where, self.path) if part]
        return ": ".join(parts + [self.message])

    def __str__(self):
        return self.line()


class ConfigError(CliError):
    """The config (file or --set override) is invalid: `FILE:LINE: key.path: what, expected`."""


class CheckFailed(CliError):
    """A check the user asked for did not pass (exit code 1)."""

    exit_code = CHECK_FAILED


class Interrupted(CliError):
    """Training stopped by SIGINT (130), SIGTERM (143) or SIGHUP (129)."""

    exit_code = INTERRUPTED
