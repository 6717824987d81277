"""simplegrad.atomic: one atomic write (temp file + fsync + rename) for every writer."""
import os

import pytest

from simplegrad.atomic import WriteError, temp_path, write_atomically, write_text


def test_temp_name_is_hidden_and_carries_the_process_id(tmp_path):
    name = os.path.basename(temp_path(tmp_path / "last.npz"))
    assert name.startswith(f".last.npz.{os.getpid()}-") and name.endswith(".partial")


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "trials.jsonl"
    write_text(target, "old\n")

    def half_then_fail(file):
        file.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteError) as caught:
        write_atomically(target, half_then_fail)
    assert str(caught.value) == f"{target}: cannot write: No space left on device"
    assert caught.value.strerror == "No space left on device"
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["trials.jsonl"]


def test_missing_folder_is_one_line(tmp_path):
    with pytest.raises(WriteError, match=r"cannot write: the folder .*missing does not exist"):
        write_text(tmp_path / "missing" / "best.yaml", "x")


def test_text_is_stored_exactly(tmp_path):
    write_text(tmp_path / "a.csv", "a,b\r\nü\n")
    assert (tmp_path / "a.csv").read_bytes() == "a,b\r\nü\n".encode()
