"""A run's metrics.jsonl read back: records `train` writes (an infinite val_loss among them) are
drawn, odd ones are one line naming the file, line and field (exit code 2), never a crash."""
import json
import os

import pytest
from cli_helpers import one_line

EPOCHS = [{"type": "epoch", "epoch": e, "step": 10 * e, "train_loss": 1.0 / e,
           "val_loss": 1.2 / e, "val_accuracy": 0.5 + e / 10, "time_s": 0.5} for e in (1, 2, 3)]


def write_metrics(folder, records):
    """A run folder holding only metrics.jsonl with `records` (one JSON text per line)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.jsonl").write_text("".join(
        (r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return str(folder)


def with_field(index, key, value):
    """EPOCHS with record `index`'s `key` set to `value` (deleted when value is ...)."""
    records = [dict(r) for r in EPOCHS]
    if value is ...:
        del records[index][key]
    else:
        records[index][key] = value
    return records


@pytest.mark.parametrize("x", ["epoch", "step", "time"])
def test_plot_draws_a_diverged_run_whose_val_loss_is_infinite(cli, workdir, x):
    folder = write_metrics(workdir / "diverged", with_field(2, "val_loss", float("inf")))
    assert "Infinity" in (workdir / "diverged" / "metrics.jsonl").read_text()  # as train writes
    result = cli("plot", folder, "--x", x)
    assert result.exit_code == 0, result.stderr
    assert "val_loss (1 value not finite, not drawn)" in result.stdout


def test_infinite_values_are_left_out_of_a_series():
    from simplegrad_cli.run.metrics_log import RunHistory

    history = RunHistory("run", ".", with_field(1, "val_loss", float("inf")), [])
    xs, ys = history.series("val_loss")
    assert xs.tolist() == [1.0, 3.0] and ys.tolist() == pytest.approx([1.2, 0.4])
    assert history.non_finite("val_loss") == 1 and history.non_finite("train_loss") == 0


@pytest.mark.parametrize("key, value, expected", [
    ("epoch", "3", "'epoch': expected an integer >= 0, got \"3\""),
    ("step", ..., "'step' is missing; expected an integer >= 0"),
    ("train_loss", 10 ** 400, "'train_loss': expected a number, got an integer of 401 digits"),
    ("time_s", "abc", "'time_s': expected a number, got \"abc\""),
    ("step", 10 ** 400, "'step': expected an integer >= 0, got an integer of 401 digits"),
    ("val_loss", True, "'val_loss': expected a number, got true"),
], ids=["string epoch", "no step", "huge metric", "string time", "huge step", "bool metric"])
def test_odd_records_are_one_line_naming_file_line_and_field(cli, workdir, key, value, expected):
    folder = write_metrics(workdir / "odd", with_field(1, key, value))
    for args in (["plot", folder], ["plot", folder, "--x", "time"], ["compare", folder]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stdout)
        assert one_line(result) == f"{folder}/metrics.jsonl:2: {expected}", args


def test_a_torn_last_line_is_skipped_but_damage_before_it_is_reported(cli, workdir):
    folder = write_metrics(workdir / "torn", [*EPOCHS, '{"type": "epoch", "ep'])
    assert cli("plot", folder).exit_code == 0
    folder = write_metrics(workdir / "damaged", [EPOCHS[0], "not json", EPOCHS[1]])
    result = cli("plot", folder)
    assert result.exit_code == 2
    assert one_line(result) == (f"{folder}/metrics.jsonl:2: not a JSON record; is this a "
                                "simplegrad metrics.jsonl?")


@pytest.mark.parametrize("command", ["plot", "compare", "doctor"])
def test_a_config_given_for_a_run_is_named_so(cli, workdir, command):
    (workdir / "digits.yaml").write_text("seed: 0\n")
    result = cli(command, "digits.yaml")
    assert result.exit_code == 2
    assert one_line(result) == ("digits.yaml: a config, not a run; give the run folder it "
                                "trained (runs/NAME), its metrics.jsonl or one of its checkpoints")


def test_the_log_is_followed_one_complete_line_at_a_time(tmp_path):
    """What a sweep reads while its trial trains: whole records only, from where it stopped."""
    from simplegrad_cli.run.metrics_log import MetricsLog

    log = MetricsLog(tmp_path / "metrics.jsonl")
    log.append({"type": "epoch", "epoch": 1, "step": 5})
    with open(log.path, "a") as handle:
        handle.write('{"type": "epoch", "epo')  # a line the trainer is still writing
    records, offset = log.follow(0)
    assert records == [{"type": "epoch", "epoch": 1, "step": 5}]
    with open(log.path, "a") as handle:
        handle.write('ch": 2, "step": 10}\n')
    assert log.follow(offset) == ([{"type": "epoch", "epoch": 2, "step": 10}],
                                  os.path.getsize(log.path))
    log.keep_until(5)  # as resume cuts it back to the checkpoint's step
    assert [r for _, r in log.lines()] == [{"type": "epoch", "epoch": 1, "step": 5}]


def test_run_metadata_is_written_and_read_as_one_type(cli, write_config):
    from simplegrad.checkpoint import load_checkpoint
    from simplegrad_cli.run.run_metadata import RunMetadata

    assert cli("train", write_config(), "--epochs", "1").exit_code == 0
    meta = RunMetadata.read(load_checkpoint("runs/tiny/last.npz"))
    assert (meta.name, meta.epoch, meta.step) == ("tiny", 1, 10)
    assert meta.data_info("last.npz") == ((2,), 3, None)
    assert meta.metrics["type"] == "epoch" and meta.config["train"]["epochs"] == 1
    assert set(meta.loop) >= {"epoch", "step", "best", "best_epoch"}
