"""examples/README.md: every command runs and prints its "Expected output" block.

A `...` line in the block stands for any number of lines, `...` inside a line for any text.
Decimal numbers may differ a little (float32 sums round differently on other CPUs): within 5%
of the number shown. Everything else must match exactly.
"""
import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "examples" / "README.md"
EXAMPLE = re.compile(r"```bash\n(python examples/\S+\.py[^\n]*)\n```\s*\nExpected output:\s*\n"
                     r"```text\n(.*?)```", re.S)
DECIMAL = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def examples():
    """(command, expected lines) for each example of examples/README.md."""
    return [(command, expected.splitlines()) for command, expected in
            EXAMPLE.findall(README.read_text())]


def line_matches(expected, actual):
    """Whether one printed line fits one expected line (see the module docstring)."""
    pattern, numbers = "", []
    for piece in re.split(r"(\.\.\.|" + DECIMAL.pattern + ")", expected):
        if piece == "...":
            pattern += ".*?"
        elif DECIMAL.fullmatch(piece):
            pattern += r"(-?\d+\.\d+(?:e[-+]?\d+)?)"
            numbers.append(float(piece))
        else:
            pattern += re.escape(piece)
    match = re.fullmatch(pattern, actual)
    return match is not None and all(abs(float(got) - want) <= 0.05 * abs(want)
                                     for got, want in zip(match.groups(), numbers))


def lines_match(expected, actual):
    """Whether the printed lines fit the expected ones, `...` lines standing for any lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and line_matches(expected[0], actual[0]) and \
        lines_match(expected[1:], actual[1:])


def test_every_example_is_listed_in_order():
    scripts = [shlex.split(command)[1] for command, _ in examples()]
    assert scripts == ["examples/backprop_by_hand.py", "examples/see_the_graph.py",
                       "examples/custom_function.py", "examples/quickstart.py",
                       "examples/mnist_mlp.py", "examples/mnist_cnn.py", "examples/attention.py",
                       "examples/unet_segmentation.py", "examples/vae.py"]
    assert {Path(s).name for s in scripts} == {p.name for p in (ROOT / "examples").glob("*.py")}


def test_the_matching_rules():
    assert line_matches("epoch 1: loss 0.5928 (...)", "epoch 1: loss 0.6000 (0.27s, 1 samples/s)")
    assert not line_matches("epoch 1: loss 0.5928", "epoch 1: loss 0.9000")
    assert not line_matches("epoch 1: loss 0.5928", "epoch 2: loss 0.5928")
    assert lines_match(["...", "last"], ["a", "b", "last"]) and lines_match(["...", "x"], ["x"])
    assert not lines_match(["a"], ["a", "extra"])


@pytest.mark.parametrize("command, expected", examples(), ids=[c for c, _ in examples()])
def test_example_prints_its_expected_output(command, expected, capsys, monkeypatch, tmp_path):
    script, *args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [script, *args])
    try:
        runpy.run_path(str(ROOT / script), run_name="__main__")
    except SystemExit as done:
        assert done.code in (0, None), command
    printed = capsys.readouterr().out.splitlines()
    assert lines_match(expected, printed), "\n".join([command, "printed:", *printed])
