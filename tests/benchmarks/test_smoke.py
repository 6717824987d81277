"""Smoke tests of benchmarks/: the three backends train to the same losses from the same
weights (so the hand-written references compute exactly simplegrad's math), and the runner and
the RSS probe work at tiny sizes. Seconds, not minutes; no timing is asserted."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # benchmarks/ is a top-level folder, not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import backends, memory, run, workloads  # noqa: E402
from benchmarks.training import run_steps  # noqa: E402

STEPS = 3


def _losses(backend, workload, data, batch_size):
    """Losses of STEPS training steps of `workload` on `backend` from the shared weights."""
    x, y = data
    if isinstance(workload, workloads.CNNWorkload):
        model = backend.build_cnn(workloads.cnn_weights(workload), workloads.LEARNING_RATE)
        x = workloads.as_images(x)
    else:
        model = backend.build_mlp(workloads.mlp_weights(workload), workloads.LEARNING_RATE)
    bx, by = backend.prepare(x, y)
    return np.array(run_steps(model, bx, by, batch_size, STEPS))


@pytest.fixture(scope="module")
def data():
    return workloads.make_data(64, seed=3)


@pytest.mark.parametrize("workload", [*workloads.MLP_WORKLOADS[::2], workloads.CNN_WORKLOAD],
                         ids=lambda w: w.name)
@pytest.mark.parametrize("other", ["simplegrad", "torch"])
def test_backend_matches_numpy_reference(workload, other, data):
    if other == "torch":
        pytest.importorskip("torch")
    ready, skipped = backends.load(("numpy", other))
    assert other in ready, skipped
    ref = _losses(ready["numpy"], workload, data, 16)
    got = _losses(ready[other], workload, data, 16)
    assert ref.shape == (STEPS,) and np.all(np.isfinite(ref))
    assert ref[-1] != ref[0]  # the optimizer really moved the weights
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("workload", [workloads.MLP_WORKLOADS[2], workloads.CNN_WORKLOAD],
                         ids=lambda w: w.name)
def test_numpy_reference_adam_in_small_blocks_matches_whole_arrays(workload, data, monkeypatch):
    """The reference's Adam in blocks gives the losses of whole-array passes, as simplegrad's
    optimizers do (tests/optim/test_blocks.py)."""
    from benchmarks import numpy_reference as ref
    monkeypatch.setattr(ref, "BLOCK", 1 << 30)
    one = _losses(ref, workload, data, 16)
    monkeypatch.setattr(ref, "BLOCK", 1000)
    np.testing.assert_allclose(_losses(ref, workload, data, 16), one, rtol=1e-6)


def test_cnn_in_batch_chunks_matches_one_chunk(data, monkeypatch):
    """The reference's and simplegrad's convolutions over many small batch chunks (columns
    rebuilt in backward) train to the losses of one whole-batch chunk."""
    from benchmarks import numpy_reference as ref
    from simplegrad.ops import conv
    ready, _ = backends.load(("simplegrad",))
    whole = [_losses(b, workloads.CNN_WORKLOAD, data, 16) for b in (ref, ready["simplegrad"])]
    monkeypatch.setattr(ref, "CHUNK_BYTES", 1)
    monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    assert len(ref._chunks(8, 16, 16, 16)) == 16 and len(conv._batch_chunks(16, 8)) == 16
    chunked = [_losses(b, workloads.CNN_WORKLOAD, data, 16) for b in (ref, ready["simplegrad"])]
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)


def test_numpy_adam_matches_closed_form_first_step():
    """First Adam step moves every parameter by lr * sign(grad) (up to eps), as in PyTorch."""
    from benchmarks.numpy_reference import Adam
    p, g = np.ones(5, np.float32), np.array([1, -2, 3, -4, 0.5], np.float32)
    Adam([p], [g], lr=0.1).step()
    np.testing.assert_allclose(p, 1.0 - 0.1 * np.sign(g), rtol=1e-6)
    assert p.dtype == np.float32


def test_runner_tiny_run_writes_report_and_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = run.main(["--quick", "--samples", "256", "--rounds", "1", "--cnn-steps", "2",
                     "--micro-reps", "20", "--chain-length", "300", "--no-rss", "--no-warmup",
                     "--only", "mlp-h128-b128,cnn,gpt,micro,memory", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "MLP training" in text and "Micro-benchmarks" in text
    results = json.loads(out.read_text())
    assert set(results["mlp"]) == {"mlp-h128-b128"}
    assert set(results["cnn"]) == {"cnn-b64", "cnn-b256"}
    available = set(backends.load()[0])
    for entry in [*results["mlp"].values(), *results["cnn"].values()]:
        assert set(entry["median_s"]) == available
        if "simplegrad" in available:
            assert entry["ratios"]["simplegrad/numpy"] > 0
    assert results["machine"]["blas"]["num_threads"] >= 1
    assert set(results["memory"]) == {*results["mlp"], *results["cnn"]}  # no NumPy GPT to compare
    assert "page faults" in text
    for entry in [*results["mlp"].values(), *results["cnn"].values(), *results["gpt"].values()]:
        assert set(entry["page_faults_per_step"]) == set(entry["median_s"])
    if "simplegrad" in available:
        chain = results["micro"]["chain"]["simplegrad"]
        assert chain["grad_ok"] and chain["freed_after_backward"]


def test_runner_rejects_unknown_item():
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "nope"])


def test_rss_probe_runs_in_subprocess():
    result = memory.rss_delta_mib("numpy", workloads.MLP_WORKLOADS[0], 256, max_steps=2)
    assert "error" not in result, result
    assert result["peak_rss_mib"] >= result["rss_before_mib"] > 0


def test_cli_cost_runs_both_sides_end_to_end():
    from benchmarks import cli_cost
    result = cli_cost.measure(samples=512, epochs=2, rounds=1, threads=1, log=lambda msg: None)
    assert set(result["seconds"]) == {"cli_1_epochs", "cli_2_epochs", "bare_1_epochs",
                                      "bare_2_epochs"}
    assert all(len(t) == 1 and t[0] > 0 for t in result["seconds"].values())
    assert result["run_ratio"] > 0 and isinstance(result["epoch_ratio"], float)


def test_diagnostics_overhead_times_every_op_case_and_training_mode():
    from benchmarks import diagnostics_overhead as overhead
    assert set(overhead.time_ops(True, number=5, repeat=1)) == set(overhead.OP_CASES)
    result = overhead.measure_training(rounds=1, epochs=1, log=lambda msg: None)
    assert set(result["seconds"]) == set(overhead.TRAIN_MODES)
    assert result["ratio_to_plain"]["plain"] == 1 and min(result["seconds"].values()) > 0
    assert 0 < overhead.hook_share(1)["share"] < 1


def test_bare_loop_trains(tmp_path):
    from benchmarks import cli_cost
    x, y = workloads.make_data(512, seed=4)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    assert cli_cost.bare_train(tmp_path / "data.npz", 3) < cli_cost.bare_train(
        tmp_path / "data.npz", 1)


def test_busy_machine_benchmark_measures_a_slowdown():
    from benchmarks import busy
    results = busy.measure(["mlp-h128-b128"], [1, 2], rounds=1, samples=512, steps=2,
                           backend_names=["simplegrad"], log=lambda msg: None)
    entry = results["mlp-h128-b128"][1]["simplegrad"]
    assert len(entry["quiet_s"]) == len(entry["busy_s"]) == 1 and entry["slowdown"] > 0
    text = busy.render(results)
    assert "mlp-h128-b128" in text and "busy at 2 threads / quiet at 1 thread" in text


def test_predict_throughput_runs_on_a_tiny_checkpoint(tmp_path, monkeypatch):
    """The script writes an IDX file's images as PNGs and times predict on them."""
    from typer.testing import CliRunner

    from benchmarks import predict_throughput
    from simplegrad_cli.main import app

    tests_cli = ROOT / "tests" / "cli"
    monkeypatch.syspath_prepend(str(tests_cli))
    from image_data import image_config, write_image_npz

    monkeypatch.chdir(tmp_path)
    x_test, _ = write_image_npz(tmp_path / "images.npz")
    (tmp_path / "img.yaml").write_text(image_config().replace("epochs: 3", "epochs: 1"))
    assert CliRunner().invoke(app, ["train", "img.yaml"]).exit_code == 0
    header = bytes([0, 0, 8, 3]) + np.array(x_test.shape, ">i4").tobytes()  # uint8, 3 dims
    (tmp_path / "images.idx").write_bytes(header + x_test.tobytes())
    result = predict_throughput.main(["runs/img/best.npz", "--idx", "images.idx"])
    assert result["images"] == len(x_test) and result["total_s"] > 0


def test_the_batch_halves_step_is_the_one_batch_step(tmp_path):
    """benchmarks.data_parallel_bound's split (halves through two weight-sharing replicas,
    gradients added) computes the loss and the update of one whole-batch step."""
    import concurrent.futures

    from benchmarks import data_parallel_bound, simplegrad_models

    x, y = workloads.make_data(64)
    x = workloads.as_images(x)
    weights = workloads.cnn_weights(workloads.CNN_WORKLOADS[0])
    whole = simplegrad_models.build_cnn(weights)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        model = simplegrad_models.build_cnn(weights)
        step = data_parallel_bound._halves(model, simplegrad_models.build_cnn(weights), pool)
        assert step(x, y) == pytest.approx(whole.step(x, y), rel=1e-5)
    for p, q in zip(model.model.parameters(), whole.model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-4, atol=1e-6)
