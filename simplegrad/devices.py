"""Devices under PyTorch's names. simplegrad computes on the CPU with NumPy, so the one device
is "cpu": device arguments are accepted when they name it, and refused otherwise with a message
that says so."""


class Device:
    """The CPU, the only device (`simplegrad.device("cpu")`, `tensor.device`)."""

    type = "cpu"
    index = None

    def __eq__(self, other):
        return isinstance(other, Device) or (isinstance(other, str) and other == "cpu")

    __hash__ = object.__hash__

    def __str__(self):
        return "cpu"

    def __repr__(self):
        return "device(type='cpu')"


CPU = Device()


def device(name="cpu"):
    """`device("cpu")` (or a Device); any other device is refused (see `check`)."""
    return check(name)


def check(where):
    """The CPU Device for None, "cpu" or a Device; an error naming anything else."""
    if where is None or isinstance(where, Device) or str(where) == "cpu":
        return CPU
    raise RuntimeError(f"simplegrad runs on the CPU only (NumPy); device {str(where)!r} is not "
                       f"available: use 'cpu' or leave the device out")


def is_device(value):
    """True for values that name a device ("cpu", "cuda:0", a Device), not a dtype."""
    return isinstance(value, Device) or (
        isinstance(value, str) and value.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta"))


class cuda:  # noqa: N801  (PyTorch's module name)
    """`simplegrad.cuda.is_available()` is False, so `"cuda" if ... else "cpu"` picks the CPU."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0
