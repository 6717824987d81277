"""The fuzz report after a test run: one short line, the details only when asked for."""
from fuzz_helpers import summary_lines

COUNTS = {(f"checkpoint case {i} {command}", code): 40 + i for i in range(12)
          for command in ("eval", "info", "train") for code in (0, 2)}


def test_the_fuzz_report_is_one_short_line():
    lines = summary_lines(COUNTS)
    assert lines == ["fuzz examples: 3,276 in 36 groups (exit 0: 1,638, exit 2: 1,638; -v for "
                     "each group)"]
    assert len(lines[0]) < 100
    detailed = summary_lines(COUNTS, verbose=True)
    assert detailed[0] == lines[0] and len(detailed) == 1 + len(COUNTS)
    assert summary_lines({}) == []
