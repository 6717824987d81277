"""The one exception type the data layer raises for bad data or a bad source."""
from simplegrad.errors import InputError


class DataError(InputError):
    """Bad data or an unusable source; the message is always one readable line (newlines are
    folded into spaces). A ValueError, like every InputError."""
