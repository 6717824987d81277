"""train.diagnostics: what each layer did, every N steps, in diagnostics.jsonl: the numbers are
those of the step (checked against the weights and gradients a hook saw), forward hooks sit on
the layers only for a diagnostic step, and the file follows metrics.jsonl on resume and
overwrite."""
import json

import numpy as np
import pytest

from simplegrad_cli.config import registry
from simplegrad_cli.run.diagnostics import output_statistics
from simplegrad_cli.run.hooks import Hook

EVERY = 3


class Watch(Hook):
    """Keeps every parameter after each step (and at the start) and its gradient, and whether
    the layers carried forward hooks right after each step."""

    def __init__(self):
        self.after, self.grads, self.hooked = {}, {}, {}

    def on_train_start(self, trainer):
        self.keep(trainer)

    def on_step(self, trainer, step):
        self.keep(trainer)
        self.grads[trainer.state.step] = [p.grad.copy() for p in trainer.model.parameters()]
        self.hooked[trainer.state.step] = (
            [bool(row.module._forward_hooks) for row in trainer.rows], step.batch < step.steps)

    def keep(self, trainer):
        self.after[trainer.state.step] = [p.data.copy() for p in trainer.model.parameters()]


def records(path):
    return [json.loads(line) for line in open(path)]


@pytest.fixture
def diagnosed(cli, write_config, train_hook):
    """A tiny run (20 steps) with diagnostics every 3 steps, watched step by step."""
    watch = train_hook(Watch())
    result = cli("train", write_config(), "--set", f"train.diagnostics.every={EVERY}")
    assert result.exit_code == 0, result.stderr
    return watch


def norm(array):
    return float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))


def test_every_n_steps_the_numbers_of_that_step(diagnosed, workdir):
    found = records(workdir / "runs/tiny/diagnostics.jsonl")
    assert [r["step"] for r in found] == [3, 6, 9, 12, 15, 18]
    assert [r["epoch"] for r in found] == [1, 1, 1, 2, 2, 2]
    for record in found:
        step = record["step"]
        names = [p["name"] for p in record["parameters"]]
        assert names == ["model.0.linear.weight", "model.0.linear.bias",
                         "model.2.linear.weight", "model.2.linear.bias"]
        for i, entry in enumerate(record["parameters"]):
            before, after = diagnosed.after[step - 1][i], diagnosed.after[step][i]
            assert entry["norm"] == pytest.approx(norm(after), rel=1e-6)
            assert entry["grad_norm"] == pytest.approx(norm(diagnosed.grads[step][i]), rel=1e-6)
            assert entry["update_ratio"] == pytest.approx(norm(after - before) / norm(before),
                                                          rel=1e-4)
        layers = {layer["layer"]: layer for layer in record["layers"]}
        assert list(layers) == ["model.0.linear", "model.1.relu", "model.2.linear"]
        relu = layers["model.1.relu"]
        assert 0 < relu["zero_fraction"] < 1 and 0 <= relu["dead_fraction"] <= 1
        assert "zero_fraction" not in layers["model.0.linear"]


def test_forward_hooks_only_for_a_diagnostic_step(diagnosed):
    for step, (hooked, same_epoch) in diagnosed.hooked.items():
        armed = (step + 1) % EVERY == 0 and same_epoch  # (validation may not come between)
        assert hooked == [armed] * 3, step
    assert not any(diagnosed.hooked[20][0])


def test_output_statistics_of_each_kind_of_activation():
    y = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 4.0]], np.float32)
    stats = output_statistics(registry.LAYERS["relu"], y)
    assert stats == {"mean": 1.0, "std": pytest.approx(np.std(y)), "zero_fraction": 4 / 6,
                     "dead_fraction": 1 / 3}
    s = np.array([[0.005, 0.5, 0.995, 0.98]], np.float32)
    assert output_statistics(registry.LAYERS["sigmoid"], s)["saturated_fraction"] == 0.5
    t = np.array([[-0.999, 0.0, 0.5, 0.985]], np.float32)  # within 1% of the range of -1, 1
    assert output_statistics(registry.LAYERS["tanh"], t)["saturated_fraction"] == 0.5
    assert set(output_statistics(registry.LAYERS["linear"], y)) == {"mean", "std"}


def test_resume_cuts_diagnostics_back_like_metrics(cli, write_config, signals_after_step,
                                                   workdir):
    config = write_config()
    every = ["--set", f"train.diagnostics.every={EVERY}"]
    assert cli("train", config, *every, "--out", "full").exit_code == 0
    signals_after_step(14)
    assert cli("train", config, *every, "--out", "part").exit_code == 130
    assert records(workdir / "part/diagnostics.jsonl")[-1]["step"] == 12
    with open(workdir / "part/diagnostics.jsonl", "a") as handle:  # as if written after the
        handle.write('{"type": "diagnostics", "step": 15, "ep')  # checkpoint, then killed
    assert cli("train", "--resume", "part/last.npz").exit_code == 0
    full, part = records(workdir / "full/diagnostics.jsonl"), \
        records(workdir / "part/diagnostics.jsonl")
    assert part == full


def test_overwrite_removes_an_earlier_runs_diagnostics(diagnosed, cli, workdir):
    assert cli("train", "tiny.yaml", "--overwrite").exit_code == 0
    assert not (workdir / "runs/tiny/diagnostics.jsonl").exists()


def test_plot_draws_the_diagnostics(diagnosed, cli, workdir):
    result = cli("plot", "runs/tiny", "--diagnostics")
    assert result.exit_code == 0, result.stderr
    for title in ("tiny: gradient norm per layer (weights)", "tiny: update / weight per step",
                  "tiny: dead ReLU units"):
        assert title in result.stdout
    assert "update ratio (log10)" in result.stdout and "0.001 rule of thumb" in result.stdout
    report = json.loads(cli("plot", "runs/tiny", "--diagnostics", "--json").stdout)
    drawn = report["runs"][0]["diagnostics"]
    found = records(workdir / "runs/tiny/diagnostics.jsonl")
    assert drawn["update_ratio"]["model.2.linear"]["x"] == [3, 6, 9, 12, 15, 18]
    assert drawn["update_ratio"]["model.2.linear"]["y"] == [
        r["parameters"][2]["update_ratio"] for r in found]
    assert drawn["dead_fraction"]["model.1.relu"]["y"] == [r["layers"][1]["dead_fraction"]
                                                           for r in found]
    assert cli("plot", "runs/tiny", "--diagnostics", "--out", "d.png").exit_code == 0
    assert (workdir / "d.png").stat().st_size > 10_000


def test_plot_without_diagnostics_says_how_to_get_them(cli, write_config, workdir):
    assert cli("train", write_config()).exit_code == 0
    result = cli("plot", "runs/tiny", "--diagnostics")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "runs/tiny: no diagnostics.jsonl: the run was trained without diagnostics; train it "
        "with --set train.diagnostics.every=50")
    result = cli("plot", "runs/tiny", "--diagnostics", "--metric", "loss")
    assert result.exit_code == 2 and "leave out --metric" in result.stderr


def test_a_damaged_diagnostics_line_is_named(diagnosed, cli, workdir):
    path = workdir / "runs/tiny/diagnostics.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    record = json.loads(lines[1])
    record["parameters"][0]["grad_norm"] = "big"
    path.write_text(lines[0] + json.dumps(record) + "\n" + "".join(lines[2:]))
    result = cli("plot", "runs/tiny", "--diagnostics")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "diagnostics.jsonl:2: parameters: 'grad_norm': expected a number, got \"big\"")
