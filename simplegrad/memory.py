"""How much memory a job may use, so a too-big model or file is refused before it is allocated.

The budget is `MARGIN` (80%) of the memory the kernel reports as available right now
(MemAvailable in /proc/meminfo, else free pages from os.sysconf): the rest is left to the
interpreter, NumPy's temporaries and the other programs on the machine. The environment
variable SIMPLEGRAD_MEMORY_LIMIT (bytes, or a number with a K/M/G suffix) replaces it.
"""
import os
import re

MARGIN = 0.8
LIMIT_VARIABLE = "SIMPLEGRAD_MEMORY_LIMIT"
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


class MemoryLimitError(ValueError):
    """Something would need more memory than the budget; the message says what and how much."""


def available_bytes():
    """Bytes the kernel says can be allocated now without swapping, or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_budget():
    """The most bytes one job should allocate: $SIMPLEGRAD_MEMORY_LIMIT, else MARGIN of the
    available memory (None when neither is known)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if text:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", text.lower())
        if not match:
            raise MemoryLimitError(f"{LIMIT_VARIABLE}={text!r}: expected a number of bytes such "
                                   f"as 2000000000 or 2G")
        return int(float(match[1]) * _UNITS[match[2]])
    available = available_bytes()
    return None if available is None else int(available * MARGIN)


def format_bytes(count):
    """`count` bytes in words: '512 B', '3.2 MB', '1.5 GB' (decimal units)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} B"


def check_fits(needed, what):
    """Raise MemoryLimitError naming `what` when `needed` bytes exceed the memory budget."""
    budget = memory_budget()
    if budget is not None and needed > budget:
        source = LIMIT_VARIABLE if os.environ.get(LIMIT_VARIABLE, "").strip() else \
            f"{MARGIN:.0%} of the available memory"
        raise MemoryLimitError(f"{what} needs about {format_bytes(needed)}, more than this "
                               f"machine can give ({format_bytes(budget)}, {source})")
