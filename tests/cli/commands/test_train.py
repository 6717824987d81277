"""`simplegrad train` end to end (in-process): run folder, JSON, resume, signals, divergence."""
import json
import math
import os
import signal

import numpy as np
import pytest
import yaml

from cli_helpers import TINY, one_line
from simplegrad_cli.run.hooks import Hook


def arrays(path):
    """Every array of a checkpoint except the JSON metadata."""
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files if key != "metadata"}


def assert_same_arrays(a, b):
    left, right = arrays(a), arrays(b)
    assert sorted(left) == sorted(right)
    for key in left:
        assert left[key].dtype == right[key].dtype, key
        np.testing.assert_array_equal(left[key], right[key], err_msg=key)


def epoch_records(path):
    """metrics.jsonl records without the wall-clock fields (which never repeat exactly)."""
    records = [json.loads(line) for line in open(path)]
    for record in records:
        record.pop("time_s", None)
        record.pop("samples_per_s", None)
    return records


def test_train_writes_the_run_folder_and_json_summary(cli, write_config, workdir):
    result = cli("train", write_config(), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    run = workdir / "runs" / "tiny"
    assert summary["run_dir"] == "runs/tiny" and summary["status"] == "completed"
    assert summary["epochs"] == 2 and summary["steps"] == 2 * 10  # 160 samples / 16
    assert {p.name for p in run.iterdir()} == {"config.yaml", "metrics.jsonl", "last.npz",
                                               "best.npz"}
    records = [json.loads(line) for line in open(run / "metrics.jsonl")]
    epochs = [r for r in records if r["type"] == "epoch"]
    assert [r["epoch"] for r in epochs] == [1, 2]
    assert epochs[-1]["val_accuracy"] == summary["final"]["val_accuracy"]
    stored = yaml.safe_load(open(run / "config.yaml"))
    assert stored["model"][0] == {"linear": {"in": 2, "out": 16, "bias": True}}  # inferred
    # stderr: a start line, one plain line per epoch, the best, the next command; no control
    # characters
    lines = result.stderr.splitlines()
    assert len(lines) == 5 and lines[1].startswith("epoch 1/2  loss ")
    assert "\x1b" not in result.stderr and "\r" not in result.stderr


def test_stored_config_validates_again(cli, write_config):
    assert cli("train", write_config()).exit_code == 0
    result = cli("validate", "runs/tiny/config.yaml")
    assert result.exit_code == 0, result.stderr


def test_an_earlier_run_is_not_overwritten_silently(cli, write_config):
    path = write_config()
    assert cli("train", path).exit_code == 0
    result = cli("train", path)
    assert result.exit_code == 2
    assert one_line(result).startswith("runs/tiny: already holds a run (config.yaml, "
                                       "metrics.jsonl, last.npz, best.npz); use --overwrite")
    assert cli("train", path, "--overwrite").exit_code == 0


def test_run_folder_that_cannot_be_written_is_refused_before_training(
        cli, write_config, workdir):
    (workdir / "a_file").write_text("")
    result = cli("train", write_config(), "--out", "a_file/run")
    assert result.exit_code == 2
    assert one_line(result).startswith("a_file/run: cannot write there")
    result = cli("train", write_config(), "--out", "a_file")
    assert one_line(result) == "a_file: exists and is not a folder; choose another --out"


def test_print_config_shows_defaults_and_overrides(cli, write_config):
    result = cli("train", write_config(), "--print-config", "--set", "optimizer.lr=3e-4",
                 "--epochs", "7")
    assert result.exit_code == 0
    resolved = yaml.safe_load(result.stdout)
    assert resolved["optimizer"] == {"name": "adam", "lr": 3e-4, "betas": [0.9, 0.999],
                                     "eps": 1e-8, "weight_decay": 0.0}
    assert resolved["train"]["epochs"] == 7 and resolved["model"][1] == "relu"
    assert not os.path.exists("runs")  # nothing trained, nothing written


DROPOUT = TINY.replace("  - relu\n", "  - relu\n  - dropout: {p: 0.3}\n") \
    .replace("epochs: 2", "epochs: 3") \
    + "scheduler: {name: step, step_size: 1, gamma: 0.5}\n"


@pytest.mark.parametrize("signum, code, step, where", [
    (signal.SIGINT, 130, 14,
     "Ctrl-C: stopped in epoch 2 at batch 4 of 10 (1 epoch completed, step 14)"),
    # on the last batch of an epoch: the epoch is finished (validated, saved) first
    (signal.SIGTERM, 143, 10, "SIGTERM: stopped after epoch 1 (step 10)"),
])
def test_resume_after_a_signal_is_bitwise_identical(cli, write_config, signals_after_step,
                                                    signum, code, step, where):
    path = write_config(DROPOUT)
    assert cli("train", path, "--out", "full").exit_code == 0
    signals_after_step(step, signum)
    result = cli("train", path, "--out", "part")
    assert result.exit_code == code
    assert result.stderr.splitlines()[-1] == (
        f"{where}; saved part/last.npz; continue with simplegrad train --resume part/last.npz")
    resumed = cli("train", "--resume", "part/last.npz")
    assert resumed.exit_code == 0, resumed.stderr
    assert_same_arrays("full/last.npz", "part/last.npz")
    assert_same_arrays("full/best.npz", "part/best.npz")
    assert epoch_records("full/metrics.jsonl") == epoch_records("part/metrics.jsonl")


def test_interrupt_message_and_info_say_the_same_epoch(cli, write_config, signals_after_step):
    path = write_config(DROPOUT)
    signals_after_step(24)  # batch 4 of epoch 3
    stopped = cli("train", path, "--out", "part")
    assert stopped.exit_code == 130
    where = "in epoch 3 at batch 4 of 10 (2 epochs completed, step 24)"
    assert where in stopped.stderr
    info = cli("info", "part/last.npz")
    assert f"tiny: saved {where}" in info.stdout
    report = json.loads(cli("info", "part/last.npz", "--json").stdout)
    assert (report["epoch"], report["mid_epoch"], report["batch"]) == (2, True, 4)


def test_counts_are_singular_for_one(cli, write_config):
    result = cli("train", write_config(), "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    assert "1 epochs" not in result.stderr and "1 epoch in" in result.stderr


def test_resume_can_extend_the_number_of_epochs(cli, write_config):
    path = write_config()
    assert cli("train", path, "--out", "four", "--epochs", "4").exit_code == 0
    assert cli("train", path, "--out", "two").exit_code == 0
    result = cli("train", "--resume", "two/last.npz", "--epochs", "4", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["epochs"] == 4
    assert_same_arrays("four/last.npz", "two/last.npz")


def test_resume_with_the_same_config_file(cli, write_config):
    path = write_config()
    assert cli("train", path, "--epochs", "1").exit_code == 0
    result = cli("train", path, "--resume", "runs/tiny/last.npz")  # `in: null` in the file
    assert result.exit_code == 0, result.stderr
    assert "resuming runs/tiny/last.npz at epoch 2, step 10" in result.stderr


def test_resume_refuses_a_different_config(cli, write_config):
    path = write_config()
    assert cli("train", path).exit_code == 0
    result = cli("train", path, "--resume", "runs/tiny/last.npz", "--set", "optimizer.lr=0.1")
    assert result.exit_code == 2
    assert one_line(result).startswith("--set: optimizer.lr: differs from the checkpoint's "
                                       "config; a resumed run must use the same settings")


def test_resume_of_a_finished_run_has_nothing_to_do(cli, write_config):
    assert cli("train", write_config()).exit_code == 0
    result = cli("train", "--resume", "runs/tiny/last.npz", "--json")
    assert result.exit_code == 0
    assert "nothing to do" in result.stderr and json.loads(result.stdout)["epochs"] == 2


class PoisonedLoss(Hook):
    """The run's loss is NaN at one call (calls 1-10: epoch 1, 11: its validation, 14: epoch 2,
    batch 3): a fake loss put in through the trainer the hook is given."""

    def on_train_start(self, trainer):
        loss, calls = trainer.loss_fn, []

        def poisoned(out, y):
            calls.append(1)
            return loss(out, y) * float("nan") if len(calls) == 14 else loss(out, y)
        trainer.loss_fn = poisoned


def test_divergence_stops_with_exit_1_and_keeps_the_last_good_checkpoint(
        cli, write_config, train_hook):
    train_hook(PoisonedLoss())
    result = cli("train", write_config())
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "training diverged: loss is nan at epoch 2, step 13 (batch 3 of 10); stopped, last good "
        "checkpoint: runs/tiny/last.npz (epoch 1); try a lower optimizer.lr or train.grad_clip")
    from simplegrad.checkpoint import load_checkpoint

    assert load_checkpoint("runs/tiny/last.npz").metadata["epoch"] == 1


def test_real_divergence_is_caught(cli, write_config):
    text = TINY.replace("{name: adam, lr: 0.01}", "{name: sgd, lr: 10.0, momentum: 0.9}") \
        .replace("val_fraction: 0.2", "val_fraction: 0.2\n  normalize: [0, 0.01]") + "loss: mse\n"
    result = cli("train", write_config(text))
    assert result.exit_code == 1
    assert "training diverged: " in result.stderr.splitlines()[-1]


def test_early_stopping(cli, write_config):
    text = TINY.replace("epochs: 2", "epochs: 30\n  patience: 1\n  metric: train_loss") \
        .replace("lr: 0.01", "lr: 5.0")  # too large: the loss soon stops improving
    result = cli("train", write_config(text), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "early_stopped" and summary["epochs"] < 30
    assert "early stopping: train_loss has not improved for 1 evaluation (" in result.stderr


def test_resume_with_more_epochs_replans_the_cosine_schedule(cli, write_config):
    path = write_config(TINY + "scheduler: cosine\n")
    assert cli("train", path).exit_code == 0
    result = cli("train", "--resume", "runs/tiny/last.npz", "--epochs", "4")
    assert result.exit_code == 0, result.stderr
    assert "cosine schedule planned for 2 epochs is re-planned over 4" in result.stderr
    lrs = [r["lr"] for r in epoch_records("runs/tiny/metrics.jsonl") if r["type"] == "epoch"]
    expected = [0.01 * (1 + math.cos(math.pi * epoch / 4)) / 2 for epoch in (2, 3)]
    np.testing.assert_allclose(lrs[2:], expected, rtol=1e-12)  # never climbs back up
    same = cli("train", "--resume", "runs/tiny/last.npz", "--epochs", "4")
    assert "re-planned" not in same.stderr  # nothing changes, nothing said


def test_next_run_removes_the_partials_of_killed_writers_only(cli, write_config):
    import subprocess
    import sys

    assert cli("train", write_config()).exit_code == 0
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # a writer killed mid-save: its process is gone
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {"dead": f".last.npz.{finished.pid}-deadbeef.partial",
                 "old format": ".best.npz.cafebabe.partial",
                 "live": f".last.npz.{running.pid}-0badcafe.partial"}
        for name in names.values():
            open(os.path.join("runs", "tiny", name), "wb").close()
        result = cli("train", "--resume", "runs/tiny/last.npz", "--epochs", "3")
        assert result.exit_code == 0, result.stderr
        left = {name for name in os.listdir("runs/tiny") if name.endswith(".partial")}
        assert left == {names["live"]}  # another process's save in progress is left alone
    finally:
        running.kill()
        running.wait()


def _metadata(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["metadata"]))


def test_checkpoint_stores_the_last_record_once_and_reads_old_copies(cli, write_config):
    path = write_config()
    assert cli("train", path, "--out", "four", "--epochs", "4").exit_code == 0
    assert cli("train", path, "--out", "two").exit_code == 0
    header = _metadata("two/last.npz")
    assert "last_record" not in header["metadata"]["loop"]  # only in metadata.metrics
    assert header["metadata"]["metrics"]["lr"] == pytest.approx(header["optimizer"]
                                                                ["hyperparams"]["lr"])
    # a checkpoint from before kept a copy of the record in the loop state: still resumes
    header["metadata"]["loop"]["last_record"] = header["metadata"]["metrics"]
    with np.load("two/last.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    np.savez("two/last.npz", **{**arrays, "metadata": np.array(json.dumps(header))})
    result = cli("train", "--resume", "two/last.npz", "--epochs", "4")
    assert result.exit_code == 0, result.stderr
    assert_same_arrays("four/last.npz", "two/last.npz")


class Recorder(Hook):
    """Every event a run sends its hooks, in order (what trackers and diagnostics plug into)."""

    def __init__(self):
        self.events = []

    def on_train_start(self, trainer):
        self.events.append(("start", trainer.state.epoch, type(trainer.optimizer).__name__))

    def on_epoch_start(self, trainer, epoch, steps, done):
        self.events.append(("epoch", epoch, steps, done))

    def on_step(self, trainer, step):
        assert step.lr == trainer.optimizer.lr and math.isfinite(step.loss)
        self.events.append(("step", step.epoch, step.batch))

    def on_epoch_end(self, trainer, epoch, record):
        self.events.append(("end", epoch, sorted(record)))

    def on_save(self, trainer, path):
        self.events.append(("save", os.path.basename(path)))

    def on_train_end(self, trainer, status):
        self.events.append(("done", status))


def test_hooks_hear_every_event_of_a_run_in_order(cli, write_config, train_hook):
    recorder = train_hook(Recorder())
    assert cli("train", write_config(), "--epochs", "1").exit_code == 0
    assert recorder.events == [("start", 0, "Adam"), ("epoch", 0, 10, 0)] + [
        ("step", 0, batch) for batch in range(1, 11)] + [
        ("end", 0, ["epoch", "lr", "samples_per_s", "step", "time_s", "train_accuracy",
                    "train_loss", "type", "val_accuracy", "val_loss"]),
        ("save", "best.npz"), ("save", "last.npz"), ("done", "completed")]


def test_hooks_hear_how_a_run_ended(cli, write_config, train_hook, signals_after_step):
    recorder = train_hook(Recorder())
    signals_after_step(3)
    assert cli("train", write_config()).exit_code == 130
    assert recorder.events[-2:] == [("save", "last.npz"), ("done", "interrupted")]
