"""The attention example trains (short settings) well past what position-only guessing gets."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import attention  # noqa: E402


def test_attention_sorter_learns_to_sort():
    token_accuracy, _ = attention.main(steps=250, batch=32, length=5, log_every=0)
    assert token_accuracy > 0.9
