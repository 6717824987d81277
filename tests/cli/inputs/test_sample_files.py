"""Samples `predict` reads from files: a CSV's first row is a header or data by its content (a
row with a gap or a typo is refused, never taken for a header), and labels stored beside the
samples become the model's class numbers."""
import numpy as np
import pytest
from cli_helpers import model_input

from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.sample_files import read_samples


@pytest.mark.parametrize("first_row", ["0.1,,0.3", "0.1,0.2x,0.3", "0.5,label,0.2"])
def test_a_first_row_that_is_neither_header_nor_numbers_is_refused(tmp_path, first_row):
    (tmp_path / "rows.csv").write_text(f"{first_row}\n0.4,0.5,0.6\n0.7,0.8,0.9\n")
    with pytest.raises(CliError, match="line 1 is neither a header"):
        read_samples(str(tmp_path / "rows.csv"), model_input((3,)))


def test_a_header_of_names_is_skipped_and_data_rows_are_kept(tmp_path):
    given = model_input((2,))
    (tmp_path / "named.csv").write_text("a,b,label\n0.1,0.2,1\n0.3,0.4,0\n")
    (tmp_path / "plain.csv").write_text("0.1,0.2\n0.3,0.4\n")
    for name in ("named.csv", "plain.csv"):
        raw, names, _ = read_samples(str(tmp_path / name), given)
        np.testing.assert_allclose(raw, [[0.1, 0.2], [0.3, 0.4]], rtol=1e-6)
        assert names == [f"{tmp_path / name}[0]", f"{tmp_path / name}[1]"]


def test_labels_stored_beside_the_samples_are_read(tmp_path):
    given = model_input((2,))
    np.savez(tmp_path / "a.npz", x=np.zeros((3, 2), np.float32), y=np.array([2, 0, 1]))
    _, _, labels = read_samples(str(tmp_path / "a.npz"), given)
    assert labels.tolist() == [2, 0, 1]
    np.savez(tmp_path / "named.npz", x=np.zeros((2, 2), np.float32), y=np.array(["b", "a"]))
    given.class_names = ["a", "b"]
    assert read_samples(str(tmp_path / "named.npz"), given)[2].tolist() == [1, 0]
