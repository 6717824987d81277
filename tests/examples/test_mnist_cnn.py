"""The CNN example runs end to end on tiny MNIST-format IDX files written by the test."""
import gzip
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import mnist_cnn  # noqa: E402


def write_idx(folder, prefix, images, labels):
    with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, *images.shape) + images.tobytes())
    with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)) + labels.tobytes())


def test_cnn_learns_a_separable_image_task(tmp_path, capsys):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=160).astype(np.uint8)
    images = rng.integers(0, 60, size=(160, 12, 12)).astype(np.uint8)
    images[labels == 1, 2:6, 2:6] = 255  # class 1 has a bright square
    write_idx(tmp_path, "train", images, labels)
    accuracy = mnist_cnn.main(["--source", str(tmp_path), "--epochs", "3", "--batch-size", "16",
                               "--lr", "3e-3"])
    assert accuracy >= 0.9
    assert "epoch 3" in capsys.readouterr().out
