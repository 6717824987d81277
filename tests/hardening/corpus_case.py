"""One row of the bad-input corpus: the files to create, the command to run, what to expect."""
from dataclasses import dataclass, field

from hardening_helpers import TINY


@dataclass
class Case:
    """`simplegrad ARGS` in a folder holding `files` must exit with `code` and print one
    stderr line containing every word in `words` (no traceback).

    files: {name: text, bytes or callable(path, base) that writes path}; `base` is the
    folder of a real trained run (base/last.npz, base/best.npz, base/tiny.yaml).
    """

    id: str
    args: list
    words: tuple
    files: dict = field(default_factory=dict)
    code: int = 2
    real: bool = False  # always run through the installed command too (not just sampled)
    real_only: bool = False  # only as a process (e.g. needs a fresh interpreter's environment)


def edit(*pairs, text=TINY):
    """TINY with each (old, new) replacement applied; fails loudly if `old` is not there."""
    for old, new in pairs:
        assert old in text, f"{old!r} is not in the config"
        text = text.replace(old, new, 1)
    return text


def config_case(case_id, text, words, name="bad.yaml", files=None):
    """A config file `name` holding `text` (plus any other `files`), checked with
    `simplegrad validate --load-data`, which runs every check `train` runs before training."""
    files = {name: text, **(files or {})}
    return Case(case_id, ["validate", name, "--load-data"], tuple(words), files)
