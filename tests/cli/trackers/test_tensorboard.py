"""TensorBoard: the event files under RUN/tensorboard, read back with TensorBoard's own reader,
hold what metrics.jsonl holds, each step once, a resumed run included."""
import json
import signal

import pytest
from tracker_helpers import assert_same_series, expected_series

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

LOG_EVERY = ("--set", "train.log_every=3")


def _events(run_dir):
    """What TensorBoard shows of a run: its scalars by name, and its plugins' tags."""
    reader = event_accumulator.EventAccumulator(str(run_dir / "tensorboard"),
                                                size_guidance={"scalars": 0, "tensors": 0})
    reader.Reload()
    scalars = {tag: [(event.step, event.value) for event in reader.Scalars(tag)]
               for tag in reader.Tags()["scalars"]}
    return scalars, reader


def test_a_run_shows_every_metric_and_its_config(cli, write_config, workdir):
    result = cli("train", write_config(), "--log-to", "tensorboard", *LOG_EVERY)
    assert result.exit_code == 0, result.stderr
    assert "tensorboard: runs/tiny/tensorboard" in result.stderr
    run_dir = workdir / "runs" / "tiny"
    scalars, reader = _events(run_dir)
    assert_same_series(scalars, expected_series(run_dir))
    assert {"loss", "lr", "train_loss", "val_accuracy", "epoch"} <= set(scalars)
    assert set(reader.PluginTagToContent("hparams")) >= {"_hparams_/session_start_info"}
    config = reader.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "lr: 0.01" in config and "synthetic:spirals" in config


def test_a_resumed_run_continues_its_folder_and_never_shows_a_step_twice(
        cli, write_config, workdir, signals_after_step):
    signals_after_step(7, signal.SIGINT)  # mid-epoch: step records 3 and 6 are logged
    assert cli("train", write_config(), "--log-to", "tensorboard", *LOG_EVERY).exit_code == 130
    run_dir = workdir / "runs" / "tiny"
    # as if the run had died between writing events and marking them logged: TensorBoard
    # must drop the events after the mark (purge) before they are logged again
    state = json.loads((run_dir / "trackers.json").read_text())
    assert state["tensorboard"]["logged"]["metrics"][0] == 6
    state["tensorboard"]["logged"]["metrics"] = [3, ["epoch", "loss", "lr"]]
    (run_dir / "trackers.json").write_text(json.dumps(state))
    result = cli("train", "--resume", run_dir / "last.npz")
    assert result.exit_code == 0, result.stderr
    assert "tensorboard (continued): runs/tiny/tensorboard" in result.stderr
    assert len(list((run_dir / "tensorboard").iterdir())) == 2  # one event file per process
    scalars, _ = _events(run_dir)
    assert_same_series(scalars, expected_series(run_dir))
    assert [step for step, _ in scalars["loss"]] == [3, 6, 9, 12, 15, 18]


def test_a_new_run_in_the_folder_starts_a_new_log(cli, write_config, workdir):
    config = write_config()
    assert cli("train", config, "--log-to", "tensorboard", "--epochs", "1").exit_code == 0
    result = cli("train", config, "--log-to", "tensorboard", "--overwrite", *LOG_EVERY)
    assert result.exit_code == 0, result.stderr
    run_dir = workdir / "runs" / "tiny"
    assert_same_series(_events(run_dir)[0], expected_series(run_dir))


def test_diagnostics_are_shown_beside_the_metrics(cli, write_config, workdir):
    result = cli("train", write_config(), "--log-to", "tensorboard", *LOG_EVERY,
                 "--set", "train.diagnostics.every=4")
    assert result.exit_code == 0, result.stderr
    run_dir = workdir / "runs" / "tiny"
    scalars, _ = _events(run_dir)
    records = [json.loads(line) for line in
               (run_dir / "diagnostics.jsonl").read_text().splitlines()]
    assert records
    for parameter in records[0]["parameters"]:
        name = f"diagnostics/{parameter['name']}/grad_norm"
        assert [step for step, _ in scalars[name]] == [r["step"] for r in records]
        assert abs(scalars[name][0][1] - parameter["grad_norm"]) <= 1e-6 * max(
            1.0, parameter["grad_norm"])
    assert_same_series({k: v for k, v in scalars.items() if "/" not in k},
                       expected_series(run_dir))
