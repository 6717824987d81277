"""`simplegrad doctor` on runs broken on purpose (a learning rate far too high or too low, dead
ReLUs, vanishing gradients, a large model on 200 noisy samples, a NaN at a known layer, a flat
loss, imbalanced classes, a run stopped early, interrupted or killed) names each problem with
its evidence and next commands, and says "nothing wrong found" of a healthy run."""
import json

import numpy as np
import pytest

from simplegrad_cli.run.hooks import Hook

DIAGNOSTICS = ("--set", "train.diagnostics.every=5")
WIDE = "model=[{linear: {out: 256}}, relu, {linear: {out: 256}}, relu, {linear: {out: 3}}]"
SIGMOIDS = "model=[" + "{linear: {out: 16}}, sigmoid, " * 6 + "{linear: {out: 3}}]"


@pytest.fixture
def doctor(cli, write_config, workdir):
    """doctor(*train_args) trains tiny.yaml with them (whatever its exit code) and returns the
    doctor's JSON of the run, checking its text form says the same."""
    def examine(*args):
        cli("train", write_config(), "--out", "runs/case", "--overwrite", *args)
        result = cli("doctor", "runs/case", "--json")
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        text = cli("doctor", "runs/case")
        assert text.exit_code == 0 and text.stdout.startswith("doctor: runs/case\n")
        for finding in report["findings"]:
            assert f"{finding['severity']}: {finding['summary']}" in text.stdout
            assert f"  evidence: {finding['evidence']}" in text.stdout
            assert all(f"  next: {command}" in text.stdout for command in finding["next"])
        return report
    return examine


def kinds(report):
    return [finding["kind"] for finding in report["findings"]]


def finding(report, kind):
    return next(f for f in report["findings"] if f["kind"] == kind)


def test_a_healthy_run_has_nothing_wrong(doctor):
    report = doctor("--epochs", "30", *DIAGNOSTICS)
    assert report["healthy"] and kinds(report) == [] and report["status"] == "completed"
    assert report["verdict"].startswith("nothing wrong found: the training loss fell from ")


def test_a_learning_rate_far_too_high_is_divergence(doctor):
    report = doctor("--set", "optimizer.lr=10", "--epochs", "5", *DIAGNOSTICS)
    assert not report["healthy"] and kinds(report)[0] == "divergence"
    rates = [command for f in report["findings"] for command in f["next"]
             if "optimizer.lr=" in command]
    assert len(rates) == 1  # one lower rate to try, not one per finding
    found = finding(report, "divergence")
    assert found["severity"] == "problem" and "optimizer.lr 10" in found["evidence"]
    assert any("--set optimizer.lr=1" in command for command in found["next"])


def test_a_learning_rate_far_too_low_is_named_with_its_update_ratios(doctor):
    report = doctor("--set", "optimizer.lr=1e-7", "--epochs", "5", *DIAGNOSTICS)
    assert kinds(report) == ["learning_rate_too_small"]
    found = finding(report, "learning_rate_too_small")
    assert found["values"]["lr"] == 1e-7 and found["values"]["update_ratio"] < 1e-4
    assert found["values"]["suggested_lr"] > 1e-7


class DeadBias(Hook):
    """Before training, the first layer's biases become -100: every ReLU unit after it dies."""

    def on_train_start(self, trainer):
        trainer.rows[0].module.bias.data[...] = -100.0


def test_negative_biases_are_dead_relus_in_their_layer(doctor, train_hook):
    train_hook(DeadBias())
    report = doctor("--epochs", "3", *DIAGNOSTICS)
    found = finding(report, "dead_units")
    assert found["severity"] == "problem" and "model.1.relu" in found["summary"]
    assert "100%" in found["evidence"]
    assert any("model.1=leaky_relu" in command for command in found["next"])


def test_a_deep_sigmoid_stack_has_vanishing_gradients(doctor):
    report = doctor("--set", SIGMOIDS, "--set", "optimizer.name=sgd", "--set",
                    "optimizer.lr=0.01", "--epochs", "5", *DIAGNOSTICS)
    assert "vanishing_gradients" in kinds(report)
    assert "model.0.linear" in finding(report, "vanishing_gradients")["evidence"]


def test_a_large_model_on_200_noisy_samples_overfits(doctor, workdir):
    rng = np.random.default_rng(0)
    np.savez(workdir / "noise.npz", x=rng.standard_normal((200, 20)).astype(np.float32),
             y=rng.integers(0, 3, 200))
    report = doctor("--set", "data.source=noise.npz", "--set", "data.options={}", "--set",
                    WIDE, "--set", "optimizer.lr=0.001", "--epochs", "40")
    found = finding(report, "overfitting")
    assert found["severity"] == "warning"
    assert found["values"]["final_val_loss"] > found["values"]["best_val_loss"]
    assert any("train.patience=3" in command for command in found["next"])


class Overflow(Hook):
    """After step 13, layer 2's weight becomes 3e38: its next forward makes inf."""

    def on_step(self, trainer, step):
        if trainer.state.step == 13:
            trainer.rows[2].module.weight.data[...] = 3e38


def test_a_nan_at_a_known_layer_names_the_layer(doctor, train_hook):
    train_hook(Overflow())
    report = doctor("--detect-anomaly", "--epochs", "3")
    assert report["status"] == "diverged" and kinds(report)[0] == "divergence"
    assert "model.2.linear" in finding(report, "divergence")["summary"] + \
        finding(report, "divergence")["evidence"]


def test_a_flat_high_loss_is_underfitting(doctor):
    report = doctor("--set", "optimizer.lr=1e-6", "--epochs", "6")
    found = finding(report, "underfitting")
    assert found["severity"] == "problem" and found["epoch"] == 6
    assert any("model.0.linear.out=32" in command for command in found["next"])


def test_imbalanced_classes_are_a_warning_with_their_counts(doctor, workdir):
    rng = np.random.default_rng(1)
    np.savez(workdir / "imbalanced.npz", x=rng.standard_normal((300, 4)).astype(np.float32),
             y=np.array([0] * 270 + [1] * 20 + [2] * 10))
    report = doctor("--set", "data.source=imbalanced.npz", "--set", "data.options={}",
                    "--epochs", "2")
    found = finding(report, "class_imbalance")
    counts = found["values"]["class_counts"]
    assert sum(counts) == 240 and max(counts) > 3 * min(counts)  # the training split's


def test_how_a_run_ended_early_stopped_interrupted_or_killed(doctor, cli, signals_after_step,
                                                            workdir):
    early = doctor("--epochs", "60", "--set", "train.patience=1")
    assert "early_stopped" in kinds(early) and early["healthy"]
    signals_after_step(15)
    stopped = doctor("--epochs", "3")
    assert stopped["status"] == "interrupted" and "interrupted" in kinds(stopped)
    metrics = workdir / "runs/case/metrics.jsonl"  # a killed run writes no end record
    lines = metrics.read_text().splitlines()
    metrics.write_text("".join(line + "\n" for line in lines if '"type": "end"' not in line))
    killed = json.loads(cli("doctor", "runs/case", "--json").stdout)
    assert killed["status"] is None and "no_end" in kinds(killed) and not killed["healthy"]
    assert finding(killed, "no_end")["next"] == ["simplegrad train --resume runs/case/last.npz"]


def test_a_folder_that_is_not_a_run_is_one_line(cli, workdir):
    (workdir / "empty").mkdir()
    result = cli("doctor", "empty")
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


class Blowup(Hook):
    """After step 20, the output layer's weights grow 1000-fold: the gradient reaching the first
    layer through them grows as much."""

    def on_step(self, trainer, step):
        if trainer.state.step == 20:
            trainer.rows[2].module.weight.data[...] *= 1000.0


def test_a_gradient_that_grows_by_orders_of_magnitude_is_exploding(doctor, train_hook):
    train_hook(Blowup())
    report = doctor("--set", "optimizer.name=sgd", "--set", "optimizer.lr=1e-4", "--epochs", "4",
                    "--set", "train.diagnostics.every=4")
    found = finding(report, "exploding_gradients")
    assert "model.0.linear" in found["summary"]
    assert found["values"]["model.0.linear"]["peak"] > 100 * found["values"]["model.0.linear"][
        "first"]
    assert any("train.grad_clip=1.0" in command for command in found["next"])
