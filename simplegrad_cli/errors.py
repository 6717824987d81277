"""Errors the CLI reports as one line on stderr, and their exit codes: a user's mistake is a
`CliError` here or one of the library's own (`InputError`, `WriteError`); see boundary.py."""
import os
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


def stopped_at_once(signum):
    """The line for a stop signal that ends the command at once, without saving."""
    return f"interrupted by {signal_name(signum)}: stopped at once, without saving"


INTERRUPTED_LINE = stopped_at_once(signal.SIGINT)


def shown_path(path):
    """How a message names a file: relative to the working folder when it lies below it, else
    absolute; normalised either way (`configs/sweeps/../spirals.yaml` -> `configs/spirals.yaml`)."""
    relative = os.path.relpath(path)
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return os.path.abspath(path) if outside else relative


def usage_error(message, option):
    """A usage error about one option or argument: exit code 2, worded as Typer words its own
    (`Invalid value for OPTION: message`)."""
    import typer

    return typer.BadParameter(message, param_hint=option)


class CliError(Exception):
    """A problem to report as `WHERE: KEY.PATH: message` and an exit code (2 by default)."""

    exit_code = USAGE

    def __init__(self, message, where=None, path=None, exit_code=None):
        self.message = " ".join(str(message).split())  # escaped where it is shown (console)
        self.where, self.path = where, path
        super().__init__(self.message)
        self.exit_code = self.exit_code if exit_code is None else exit_code

    def line(self):
        """The one-line report: location, key path and message, each only when known."""
        return ": ".join([part for part in (self.where, self.path) if part] + [self.message])

    __str__ = line


class ConfigError(CliError):
    """The config (file or --set override) is invalid: `FILE:LINE: key.path: what, expected`."""


class CheckFailed(CliError):
    """A check the user asked for did not pass (exit code 1)."""

    exit_code = CHECK_FAILED


class Interrupted(CliError):
    """Training stopped by SIGINT (130), SIGTERM (143) or SIGHUP (129)."""

    exit_code = INTERRUPTED
