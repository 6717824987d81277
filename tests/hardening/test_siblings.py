"""Issue 17, round 2: siblings of the classes found by looking past the corpus. A config of
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
