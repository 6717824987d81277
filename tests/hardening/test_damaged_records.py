"""A run folder whose metrics.jsonl records have null (or missing, or non-numeric)
fields is resumed, plotted and compared without an internal error."""
import json

import pytest

from hardening_helpers import TINY, invoke


@pytest.fixture
def nulled_run(workdir):
    """A finished tiny run whose metrics records have every field set to null."""
    (workdir / "tiny.yaml").write_text(TINY.replace("epochs: 2", "epochs: 1"))
    assert invoke("train", "tiny.yaml", "--out", "r").exit_code == 0
    metrics = workdir / "r" / "metrics.jsonl"
    records = [json.loads(line) for line in metrics.read_text().splitlines()]
    records.append({"step": "ten", "epoch": [1]})
    metrics.write_text("".join(json.dumps(dict.fromkeys(r)) + "\n" for r in records[:-1])
                       + json.dumps(records[-1]) + "\n")
    return workdir / "r"


def test_resume_drops_records_with_a_null_step(nulled_run):
    result = invoke("train", "--resume", nulled_run / "last.npz", "--epochs", "2")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in (nulled_run / "metrics.jsonl").read_text()
               .splitlines()]
    assert all(isinstance(r["step"], int) for r in records)
    assert [r["epoch"] for r in records if r.get("type") == "epoch"] == [2]


@pytest.mark.parametrize("command", [["plot"], ["compare"], ["info"]])
def test_reading_null_records_is_never_an_internal_error(nulled_run, command):
    target = nulled_run / "last.npz" if command == ["info"] else nulled_run
    result = invoke(*command, target, *([nulled_run] if command == ["compare"] else []))
    assert "internal error" not in result.stderr
    assert result.exit_code in (0, 2), result.stderr
