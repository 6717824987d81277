"""examples/quickstart.py (the original simplegrad README example) runs and learns."""
import re
import runpy
from pathlib import Path

import pytest

import simplegrad

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quickstart_reaches_a_low_loss(seed, capsys, monkeypatch):
    seed_with = simplegrad.manual_seed
    monkeypatch.setattr(simplegrad, "manual_seed", lambda _: seed_with(seed))  # not only its 0
    runpy.run_path(str(SCRIPT), run_name="__main__")
    printed = capsys.readouterr().out
    match = re.search(r"final loss: ([0-9.eE+-]+)", printed)
    assert match, printed
    assert float(match.group(1)) < 0.05
