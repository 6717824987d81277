"""The library's base exception for input a user can fix (a file, a value, a data source), and
how any error is quoted inside such a message (its first line)."""


def first_line(error):
    """An exception's message up to its first line break, or its type's name if it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class InputError(ValueError):
    """Bad input, reported as one line: `WHERE: KEY.PATH: message`, where and key path only
    when known (a caller that knows the config line adds them). A ValueError, so plain
    `except ValueError` still catches it."""

    def __init__(self, message, where=None, path=None):
        self.message = " ".join(str(message).split())
        self.where, self.path = where, path
        super().__init__(self.line())

    def line(self):
        """The one-line report: location, key path and message, each only when known."""
        return ": ".join([part for part in (self.where, self.path) if part] + [self.message])
