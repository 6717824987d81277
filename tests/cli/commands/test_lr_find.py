"""`simplegrad lr-find`: the learning-rate range test on real small runs, for each optimizer and
a convolutional model; it writes nothing but its --out picture, never into a run folder, and
stops cleanly on Ctrl-C."""
import json
import os
import signal

import numpy as np
import pytest

from simplegrad_cli.doctor import lr_range

DIGITS = """\
seed: 0
data:
  source: builtin:digits
  max_samples: 500
  batch_size: 32
  flatten: true
  normalize: [0.1307, 0.3081]
model:
  - linear: {out: 64}
  - relu
  - linear: {out: 10}
optimizer: {name: adam}
scheduler: cosine
"""
CNN = """\
seed: 0
data: {source: builtin:digits, max_samples: 200, batch_size: 16, normalize: [0.1307, 0.3081]}
model:
  - conv2d: {out: 4, kernel_size: 3, padding: 1}
  - relu
  - max_pool2d: {kernel_size: 2}
  - flatten
  - linear: {out: 10}
"""


def lr_find(cli, *args):
    result = cli("lr-find", *args, "--json")
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("optimizer, low, high", [
    ("adam", 1e-4, 3e-3), ("adamw", 1e-4, 3e-3), ("sgd", 3e-3, 0.3),
    ("{name: sgd, momentum: 0.9, nesterov: true}", 3e-4, 0.03)])
def test_a_rate_is_suggested_for_each_optimizer(cli, write_config, workdir, optimizer, low,
                                                high):
    config = write_config(DIGITS, "digits.yaml")
    before = sorted(os.listdir(workdir))
    result, report = lr_find(cli, config, "--set", f"optimizer={optimizer}", "--steps", "100")
    assert result.exit_code == 0, result.stderr
    assert low <= report["suggested_lr"] <= high, report["reason"]
    lrs, smoothed = report["points"]["lr"], report["points"]["smoothed"]
    assert lrs[0] == pytest.approx(1e-7) and all(a < b for a, b in zip(lrs, lrs[1:]))
    assert len(smoothed) == len(report["points"]["loss"]) == report["steps"] <= 100
    assert report["command"] == (f"simplegrad train digits.yaml --set 'optimizer={optimizer}' "
                                 f"--set optimizer.lr={report['suggested_lr']:g}"
                                 if " " in optimizer else
                                 f"simplegrad train digits.yaml --set optimizer={optimizer} "
                                 f"--set optimizer.lr={report['suggested_lr']:g}")
    assert sorted(os.listdir(workdir)) == before  # nothing written: no run folder, no file


def test_the_text_report_and_a_picture(cli, write_config, workdir):
    config = write_config(CNN, "cnn.yaml")
    result = cli("lr-find", config, "--steps", "60", "--out", "lr.png")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-3].startswith("suggested learning rate: ")
    assert lines[-2].startswith("why: the smoothed loss fell from ")
    assert lines[-1].startswith("next: simplegrad train cnn.yaml --set optimizer.lr=")
    assert "lr-find cnn: adam, lr 1e-07 to 10 over 60 steps of 16 samples" in result.stderr
    assert (workdir / "lr.png").stat().st_size > 10_000
    assert sorted(os.listdir(workdir)) == ["cnn.yaml", "lr.png"]


def test_no_suggestion_when_the_loss_never_falls(cli, write_config):
    result, report = lr_find(cli, write_config(DIGITS, "digits.yaml"), "--start", "1e-9",
                             "--end", "1e-8", "--steps", "20")
    assert result.exit_code == 1
    assert report["suggested_lr"] is None and report["command"] is None
    assert report["reason"].startswith("the smoothed loss never fell by 10%")


def test_it_never_writes_into_a_run_folder(cli, write_config, workdir):
    config = write_config()
    assert cli("train", config, "--epochs", "1").exit_code == 0
    before = sorted(os.listdir(workdir / "runs/tiny"))
    result = cli("lr-find", config, "--out", "runs/tiny/lr.png")
    assert result.exit_code == 2
    assert result.stderr.startswith("--out: runs/tiny/lr.png: is in the run folder ")
    result = cli("lr-find", config, "--out", config.replace(".yaml", ".png"), "--start", "1",
                 "--end", "0.1")
    assert result.exit_code == 2 and "--start" in result.stderr
    assert cli("lr-find", config, "--out", "tiny.yaml").exit_code == 2  # not an image name
    assert sorted(os.listdir(workdir / "runs/tiny")) == before


def test_ctrl_c_stops_it_cleanly(cli, write_config, workdir, monkeypatch):
    batches = lr_range._endless

    def interrupted(loader):
        for number, batch in enumerate(batches(loader), 1):
            if number == 5:
                os.kill(os.getpid(), signal.SIGINT)
            yield batch
    monkeypatch.setattr(lr_range, "_endless", interrupted)
    result = cli("lr-find", write_config(), "--out", "lr.png")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == ("Ctrl-C: lr-find stopped at step 5 of 200; "
                                              "nothing was written")
    assert sorted(os.listdir(workdir)) == ["tiny.yaml"]


def test_suggestion_rules():
    test = lr_range.RangeTest(lrs=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],
                              smoothed=[2.0, 1.5, 0.5, 0.4, 3.0])
    tenth = lr_range.suggest(test)  # the lowest is at 0.1; a tenth is 0.01, well down
    assert tenth.lr == 0.01 and "a tenth of the rate at the lowest loss" in tenth.reason
    test.smoothed = [2.0, 2.0, 1.99, 0.4, 3.0]  # at 0.01 the loss had not begun to fall
    half = lr_range.suggest(test)
    assert half.lr == 0.1 and "the rate where it had made half its fall, 0.1" in half.reason


def test_a_test_shorter_than_the_smoothing_window_keeps_one_value_per_step(cli, write_config):
    """A test that ends within the first few steps (here by blowing up at once) smooths each
    loss over the steps it has, never padding the curve beyond the rates tried."""
    assert lr_range.centred_mean([1.0, 2.0, 6.0], 1).tolist() == [1.5, 3.0, 4.0]
    assert lr_range.centred_mean([1.0, 2.0, 6.0], 5).tolist() == [3.0, 3.0, 3.0]
    assert lr_range.centred_mean([4.0], 5).tolist() == [4.0]
    short = lr_range.RangeTest(lrs=[1e-3, 1e-2, 1e-1, 1.0],
                               smoothed=lr_range.centred_mean([2.0, 1.0, 0.5, 0.2], 5).tolist())
    assert len(short.smoothed) == 4 and np.isfinite(short.smoothed).all()
    lr_range.suggest(short)  # no IndexError from a curve longer than its rates
    config = write_config(DIGITS.replace("{name: adam}", "{name: sgd}"), "blows.yaml")
    result, report = lr_find(cli, config, "--start", "3", "--end", "1e9")
    assert result.exit_code == 1 and report["suggested_lr"] is None  # blew up: no rate to give
    assert len(report["points"]["smoothed"]) == len(report["points"]["lr"]) == report["steps"] < 11
