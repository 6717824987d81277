"""Training output at 80 columns: epoch lines that do not wrap, bars that keep their width,
and an epoch ETA that is computed (it used to be -:--:-- forever)."""
import io
import types

import pytest
from rich.console import Console

from simplegrad_cli.run.hooks import Step
from simplegrad_cli.ui.progress import RichTrainDisplay, run_eta
from simplegrad_cli.words import clock, format_metrics

BUSY_EPOCH = {"train_loss": 0.1234, "train_accuracy": 0.9999, "val_loss": 0.1234,
              "val_accuracy": 0.9999, "lr": 0.000123, "time_s": 999.9}


def test_epoch_line_fits_80_columns():
    line = f"epoch 100/100  {format_metrics(BUSY_EPOCH)}"
    assert len(line) <= 80, line
    assert line.startswith("epoch 100/100  loss 0.1234 acc 99.99%  val 0.1234 99.99%")


def test_run_eta_from_the_step_pace_and_finished_epochs():
    assert run_eta(10, 2, 50, 100, 0.1, [12.0, 14.0]) == pytest.approx(0.1 * 50 + 13.0 * 7)
    assert run_eta(3, 0, 10, 100, 0.5) == pytest.approx(0.5 * 90 + 0.5 * 100 * 2)
    assert run_eta(3, 0, 0, 100, None) is None
    assert clock(3725.4) == "1:02:05" and clock(None) == "-:--:--"


def _rendered(display):
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(
        display.progress.make_tasks_table(display.progress.tasks))
    return [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]


def test_progress_rows_fit_80_columns_with_wide_bars_and_an_eta(monkeypatch):
    console = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    screen = RichTrainDisplay(console=console)
    trainer = types.SimpleNamespace(cfg=types.SimpleNamespace(values={"train": {"epochs": 100}}))
    screen.on_train_start(trainer)
    screen.progress.stop()
    clock_now = iter([0.0, 30.0])  # the epoch starts at 0 s, the step is drawn at 30 s
    monkeypatch.setattr("simplegrad_cli.ui.progress.time.monotonic", lambda: next(clock_now))
    screen.on_epoch_start(trainer, 97, 9380, 0)
    screen.on_step(trainer, Step(97, 4690, 9380, 0.1, 0.001, 0.1234, 0.961, 12345.0))
    epoch_row, step_row = _rendered(screen)
    assert all(len(row) <= 80 for row in (epoch_row, step_row))
    assert epoch_row.count("━") >= 15  # was squeezed to 7 characters
    assert epoch_row.endswith("eta 0:02:30")  # 30 s for half an epoch: 2.5 epochs left
    assert step_row.endswith("eta 0:00:30")
