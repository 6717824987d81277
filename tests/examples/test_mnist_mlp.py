"""examples/mnist_mlp.py trains end to end, offline, on tiny MNIST-style IDX files made here."""
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

try:
    from simplegrad.nn import Linear  # noqa: F401  (the example needs nn and optim)
except ImportError:
    pytest.skip("simplegrad.nn.Linear is not importable yet", allow_module_level=True)

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "mnist_mlp.py"


def test_mnist_mlp_learns_on_a_local_idx_folder(tmp_path, capsys, pattern_digits):
    rng = np.random.default_rng(0)
    pattern_digits(tmp_path, "train", 200, rng)
    pattern_digits(tmp_path, "t10k", 50, rng)
    main = runpy.run_path(str(SCRIPT))["main"]
    main(["--source", str(tmp_path), "--split", "train", "--test-split", "test", "--epochs", "4",
          "--batch-size", "20", "--hidden", "32", "--lr", "0.01"])
    out = capsys.readouterr().out
    assert "data: 180 train / 20 val samples of (784,)" in out
    losses = [float(v) for v in re.findall(r"train loss ([0-9.]+)", out)]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert float(re.search(r"test accuracy ([0-9.]+)", out).group(1)) >= 0.9


def test_mnist_mlp_falls_back_to_the_bundled_digits_when_the_hub_is_unreachable(
        capsys, monkeypatch, tmp_path):
    datasets = pytest.importorskip("datasets")

    def unreachable(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'ylecun/mnist' on the Hub")

    monkeypatch.setattr(datasets, "load_dataset", unreachable)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SIMPLEGRAD_CACHE", str(tmp_path))
    monkeypatch.delenv("SIMPLEGRAD_MNIST", raising=False)
    main = runpy.run_path(str(SCRIPT))["main"]
    main(["--epochs", "1", "--batch-size", "32", "--test-split", "test"])
    captured = capsys.readouterr()
    notes = [line for line in captured.err.splitlines() if "bundled" in line]
    assert len(notes) == 2 and "8,000 bundled 'train' digits" in notes[0]  # train, then test
    assert "data: 7200 train / 800 val samples of (784,) from builtin:digits" in captured.out
    assert float(re.search(r"test accuracy ([0-9.]+)", captured.out).group(1)) >= 0.9
