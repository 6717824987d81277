"""Inputs `predict` reads: a bad CSV row is named by its line in the file, blank lines and the
header row counted."""
import pytest
from cli_helpers import one_line


@pytest.mark.parametrize("text, line", [
    ("0.1,0.2\n\n\n0.3,0.4,0.5\n", 4),
    ("x0,x1\n\n0.1,0.2\n\n0.3,0.4,0.5\n", 5),
    ("\n\nx0,x1\n0.1,0.2\n0.3,oops\n", 5),
])
def test_a_bad_csv_row_is_named_by_its_line_in_the_file(cli, write_config, workdir, text, line):
    assert cli("train", write_config()).exit_code == 0
    (workdir / "rows.csv").write_text(text)
    result = cli("predict", "runs/tiny/best.npz", "rows.csv")
    assert result.exit_code == 2
    assert one_line(result).startswith(f"rows.csv line {line}: ")


def test_a_row_longer_than_the_first_is_refused_not_cut(cli, write_config, workdir):
    assert cli("train", write_config()).exit_code == 0
    (workdir / "rows.csv").write_text("0.1,0.2\n0.3,0.4,9.9\n")
    result = cli("predict", "runs/tiny/best.npz", "rows.csv")
    assert result.exit_code == 2
    assert one_line(result) == ("rows.csv line 2: has 3 fields, but line 1 has 2; every row "
                                "needs the same columns")
