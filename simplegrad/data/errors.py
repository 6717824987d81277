"""The one exception type the data layer raises for bad data or a bad source."""


class DataError(ValueError):
    """Bad data or an unusable source; the message is always one readable line.

    A ValueError subclass, so callers that catch ValueError (such as the CLI, which turns it
    into exit code 2) need nothing special. Newlines in the message are folded into spaces.
    """

    def __init__(self, message):
        super().__init__(" ".join(str(message).split()))
