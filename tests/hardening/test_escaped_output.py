"""Messages that mislead: what a file or checkpoint holds (names with ESC
sequences, zero-width characters) is printed escaped in every message and table, and a
checkpoint with 10,000 stray arrays gets a short error line."""
import json

import numpy as np
import pytest

from hardening_helpers import TINY, error_line, invoke

HOSTILE = "run\x1b[2J\x1b]0;pwned\x07\u200b"
SHOWN = "run\\x1b[2J\\x1b]0;pwned\\x07\\u200b"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    (root / "tiny.yaml").write_text(TINY)
    assert invoke("train", root / "tiny.yaml", "--out", root / "run").exit_code == 0
    return root


def _rewrite(run, name, change):
    """A copy of the run's last.npz as `name`, after change(arrays, metadata)."""
    arrays = dict(np.load(run / "run" / "last.npz"))
    header = json.loads(str(arrays["metadata"]))
    change(arrays, header["metadata"])
    arrays["metadata"] = np.array(json.dumps(header))
    np.savez(run / name, **arrays)
    return run / name


def _named(arrays, meta):
    meta["name"] = HOSTILE
    meta["data"]["class_names"] = [HOSTILE, "b\u202ec", "c"]


def test_info_escapes_a_hostile_run_name(run):
    result = invoke("info", _rewrite(run, "named.npz", _named))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u200b" not in result.stdout
    assert SHOWN in result.stdout


def test_eval_tables_escape_hostile_class_names(run):
    result = invoke("eval", _rewrite(run, "named.npz", _named))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "b\\u202ec" in result.stdout


def test_tables_escape_every_cell_and_the_title(capsys):
    from simplegrad_cli.ui import console as display

    display.table("t\x1b[1mitle", ["name", ">n"], [["a\x1b]0;x\x07", 1]])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "t\\x1b[1mitle" in out and "a\\x1b]0;x\\x07" in out


def test_status_lines_escape_and_keep_newlines(capsys):
    from simplegrad_cli.ui import console as display

    display.info("saved\x1b[2J to\nrun\u200b")
    assert capsys.readouterr().err == "saved\\x1b[2J to\nrun\\u200b\n"


def test_error_lines_escape_and_cap():
    from simplegrad_cli.errors import CliError
    from simplegrad_cli.ui.console import MAX_LINE, one_line

    assert one_line("a\x1b[2Jb\u200b\x00") == "a\\x1b[2Jb\\u200b\\x00"
    assert one_line("é ü 中") == "é ü 中"
    line = one_line(CliError("x" * 200_000).line())  # capped where it is shown
    assert len(line) < MAX_LINE + 40 and line.endswith("(198,000 more characters)")


def test_ten_thousand_stray_arrays_give_a_short_line(run):
    def stray(arrays, meta):
        arrays.update({f"model/extra{i}.weight": np.zeros(1, np.float32) for i in range(10_000)})

    result = invoke("info", _rewrite(run, "many.npz", stray))
    line = error_line(result.stderr)
    assert result.exit_code == 2
    assert len(line) < 400 and "unexpected arrays: model/extra0.weight" in line
    assert line.endswith("and 9,995 more")


def test_predict_escapes_file_and_class_names_in_long_listings(run):
    """Over 500 inputs, predict prints plain aligned lines instead of a rich table: those
    lines escape the input file's name and the class names too."""
    checkpoint = _rewrite(run, "named.npz", _named)
    inputs = run / f"{HOSTILE}.npy"
    np.save(inputs, np.zeros((501, 2), np.float32))
    result = invoke("predict", checkpoint, inputs, "--top-k", "3")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u200b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert f"{SHOWN}.npy[500]" in result.stdout


class _Param:
    name = f"model.0.linear.{HOSTILE}"

    def describe(self):
        return f"choice [{HOSTILE!r}]"


class _Sweep:
    settings = {"metric": "val_accuracy", "study": HOSTILE, "trials": 1, "mode": "max",
                "sampler": {"name": "random"}, "pruner": {"name": "none"}, "jobs": 1,
                "out": HOSTILE}
    params = [_Param()]
    base_file = f"{HOSTILE}.yaml"


class _Run:
    number, epoch, seconds, value, values = 0, 1, 1.0, None, {}
    params = {_Param.name: HOSTILE}
    outcome, error = "failed", HOSTILE


@pytest.mark.parametrize("live", [False, True], ids=["plain", "live"])
def test_sweep_progress_escapes_params_and_names(capsys, live):
    from simplegrad_cli.sweep.display import LiveSweepDisplay, PlainSweepDisplay

    screen = (LiveSweepDisplay if live else PlainSweepDisplay)(_Sweep())
    with screen:
        screen.started(_Run())
        screen.finished(_Run(), best=None)
        screen.message(f"stopping {HOSTILE}")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u200b" not in err and "\x07" not in err, err
    assert SHOWN in err


def test_plot_escapes_run_folder_and_metric_names(run, tmp_path):
    folder = tmp_path / HOSTILE
    folder.mkdir()
    records = [{"type": "epoch", "epoch": e, "step": e, "train_loss": 1.0 / e,
                "val\x1b[31m_loss\u200b": 0.5 / e} for e in (1, 2, 3)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for args in ([folder], [folder, run / "run"], [folder, "--metric", "val\x1b[31m_loss\u200b"]):
        result = invoke("plot", *args)
        assert result.exit_code == 0, result.stderr
        shown = result.stdout + result.stderr
        assert "\x1b" not in shown and "\u200b" not in shown and "\x07" not in shown
    hostile_metric = invoke("plot", folder, "--metric", "val\x1b[31m_loss\u200b")
    assert "val\\x1b[31m_loss" in hostile_metric.stdout
