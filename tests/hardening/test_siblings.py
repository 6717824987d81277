"""Siblings of the classes found by looking past the corpus. A config of
many plain values is not blamed on aliases, and a sweep asking for more trial processes at
once than memory holds is refused before it starts one."""
import pytest

from hardening_helpers import TINY, assert_words, error_line, invoke


def test_many_plain_values_are_not_blamed_on_aliases(workdir):
    values = ", ".join(["0"] * 100_001)
    (workdir / "big.yaml").write_text(f"{TINY}extra: [{values}]\n")
    result = invoke("validate", "big.yaml")
    assert result.exit_code == 2
    line = error_line(result.stderr)
    assert_words(line, ["big.yaml", "more than 100,000 values", "a config is never that large"])
    assert "once aliases" not in line and "are expanded" not in line, line


def test_a_sweep_of_more_trial_processes_than_memory_holds_is_refused(workdir, monkeypatch):
    pytest.importorskip("optuna")
    (workdir / "tiny.yaml").write_text(TINY)
    (workdir / "s.yaml").write_text("config: tiny.yaml\ntrials: 4\njobs: 1024\nspace:\n"
                                    "  optimizer.lr: {loguniform: [1.0e-3, 1.0e-1]}\n")
    monkeypatch.setenv("SIMPLEGRAD_MEMORY_LIMIT", "8G")
    result = invoke("sweep", "s.yaml")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["s.yaml:3", "jobs", "1024 trials at once",
                                             "61.4 GB", "SIMPLEGRAD_MEMORY_LIMIT"])
    assert not (workdir / "sweeps").exists()  # refused before any trial or study was made


def _broken_npy_header(path, member):
    """Rewrite `member` of the .npz at `path` so its .npy header text never closes: NumPy's
    parser then raises tokenize's TokenError, which is not a ValueError."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            if name == member:
                length = int.from_bytes(data[8:10], "little")
                text = data[10:10 + length].decode("latin1").replace("}", "(((").ljust(length)
                data = data[:10] + text.encode("latin1") + data[10 + length:]
            archive.writestr(name, data)


def test_a_cache_file_whose_npy_header_never_closes_is_rebuilt(tmp_path):
    """Old code: the TokenError escaped read_cache (an internal error) instead of the cache
    being treated as tampered with and rebuilt."""
    import json

    import numpy as np

    from simplegrad.data.sources.cache import read_cache

    path = tmp_path / "train-0.npz"
    np.savez(path, x=np.zeros((4, 2), np.float32), y=np.zeros(4, np.int64),
             meta=np.array(json.dumps({"format": 1})))
    _broken_npy_header(path, "x.npy")
    assert read_cache(path) is None


def test_a_checkpoint_whose_npy_header_never_closes_is_one_line(workdir):
    """Found by the .npy header fuzzer: `info` ended in `internal error: TokenError`."""
    (workdir / "tiny.yaml").write_text(TINY)
    assert invoke("train", "tiny.yaml", "--out", "run").exit_code == 0
    _broken_npy_header(workdir / "run" / "last.npz", "model/0.weight.npy")
    for command in ("info", "eval"):
        result = invoke(command, "run/last.npz")
        assert result.exit_code == 2, result.stderr
        assert_words(error_line(result.stderr), ["run/last.npz", "model/0.weight",
                                                 "truncated or corrupt"])
