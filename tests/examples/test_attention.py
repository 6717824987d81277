"""The attention example trains (its --quick settings) well past what position-only guessing
gets, printing progress from its first step."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import attention  # noqa: E402


def test_attention_sorter_learns_to_sort_and_shows_progress_from_the_start(capsys):
    token_accuracy, _ = attention.main(**attention.settings(["--quick"]))
    assert token_accuracy > 0.9
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("sorting 5 digits: 250 steps of 32 sequences")
    assert lines[1].startswith("step     1  loss ") and lines[-2].startswith("step   250  loss ")
    assert len(lines) == 2 + 250 // 50 + 1


def test_quick_settings_can_be_overridden():
    assert attention.settings(["--quick", "--seed", "3"]) == {**attention.QUICK, "seed": 3}
    assert attention.settings([]) == {}
