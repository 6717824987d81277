"""docs/ops.md, the table of ops with their PyTorch names, and the code agree: every public
Tensor method, `simplegrad` function and optimizer has a row, and every name a row gives
(`x.name`, `sg.name`, `F.name`, `nn.name`, `optim.name`) exists."""
import inspect
import re
from pathlib import Path

import pytest

import simplegrad as sg
from simplegrad import Tensor, nn, optim
from simplegrad.nn import functional as F

TABLE = Path(__file__).resolve().parents[1] / "docs" / "ops.md"
OWNERS = {"x": Tensor, "sg": sg, "F": F, "nn": nn, "optim": optim}


def _named():
    """{(owner, name)} for every `owner.name` in the middle column of the tables."""
    found = set()
    for line in TABLE.read_text().splitlines():
        cells = line.split(" | ")
        if not line.startswith("|") or len(cells) < 3 or set(cells[1]) <= set("-| "):
            continue
        named = cells[0] if cells[1].strip().startswith("same") else cells[1]  # "same": col 1
        for code in re.findall(r"`([^`]*)`", named):
            found.update(re.findall(r"(?<![\w.])(x|sg|F|nn|optim)\.(\w+)", code))
    return found


NAMED = _named()


@pytest.mark.parametrize("owner, name", sorted(NAMED))
def test_every_name_in_the_table_exists(owner, name):
    assert hasattr(OWNERS[owner], name), f"docs/ops.md names {owner}.{name}, which does not exist"


def _public(module):
    return [n for n in dir(module) if not n.startswith("_")
            and not inspect.ismodule(getattr(module, n))]


@pytest.mark.parametrize("owner, names", [
    ("x", [n for n in dir(Tensor) if not n.startswith("_")]),
    ("sg", _public(sg)),
    ("optim", optim.__all__),
    ("F", F.__all__),
    ("nn", [n for n in nn.__all__ if n not in ("Module", "Parameter", "init", "utils",
                                                "functional")]),
])
def test_every_public_name_has_a_row(owner, names):
    missing = sorted(n for n in names if (owner, n) not in NAMED)
    assert not missing, f"docs/ops.md has no row for {owner}.{', '.join(missing)}"
