"""Output paths. A dangling `--out` symlink is refused before the data load, and
`--out ~/x` (or `--out=~/x`, which the shell leaves alone) never makes a folder named `~`."""
import pytest

from hardening_helpers import TINY, assert_words, error_line, invoke


def test_dangling_out_symlink_is_refused_before_the_data_load(workdir):
    (workdir / "missing-data.yaml").write_text(TINY.replace("synthetic:spirals", "nowhere.npz"))
    (workdir / "out").symlink_to(workdir / "gone")
    result = invoke("train", "missing-data.yaml", "--out", "out")
    assert result.exit_code == 2
    assert_words(error_line(result.stderr), ["out", "symbolic link", "gone", "does not exist"])
    assert not (workdir / "gone").exists()


@pytest.mark.parametrize("args", [["--out", "~/runs/x"], ["--out=~/runs/x"]])
def test_out_under_home_is_expanded(workdir, monkeypatch, args):
    home = workdir / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (workdir / "tiny.yaml").write_text(TINY)
    result = invoke("train", "tiny.yaml", *args)
    assert result.exit_code == 0, result.stderr
    assert (home / "runs" / "x" / "last.npz").is_file()
    assert not (workdir / "~").exists()


def test_out_under_home_in_the_config_is_expanded(workdir, monkeypatch):
    home = workdir / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (workdir / "tiny.yaml").write_text(TINY + "  out: ~/runs/y\n")
    assert invoke("train", "tiny.yaml").exit_code == 0
    assert (home / "runs" / "y" / "best.npz").is_file() and not (workdir / "~").exists()


def test_other_output_options_expand_home(workdir, monkeypatch):
    home = workdir / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (workdir / "tiny.yaml").write_text(TINY)
    assert invoke("train", "tiny.yaml", "--out", "run").exit_code == 0
    result = invoke("predict", "run/best.npz", "--data", "synthetic:spirals", "--split", "test",
                    "--out=~/pred.csv")
    assert result.exit_code == 0, result.stderr
    assert (home / "pred.csv").is_file() and not (workdir / "~").exists()
