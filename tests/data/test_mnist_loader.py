import numpy as np
import pytest

from simplegrad import Tensor
from simplegrad.data import DataError, MNISTLoader


def test_one_hot_batches_from_a_local_idx_folder(mnist_folder):
    folder, arrays = mnist_folder
    loader = MNISTLoader(batch_size=8, split="train", source=str(folder))
    assert len(loader) == 3 and loader.num_samples == 20
    assert loader.images_size_flattened == 784 and loader.num_classes == 10
    batches = list(loader)
    images, labels = batches[0]
    assert isinstance(images, Tensor) and images.shape == (8, 784) and images.dtype == np.float32
    assert labels.shape == (8, 10) and labels.dtype == np.float32
    np.testing.assert_array_equal(labels.data.sum(axis=1), 1.0)
    all_labels = np.concatenate([b[1].data.argmax(axis=1) for b in batches])
    np.testing.assert_array_equal(all_labels, arrays["train"][1])
    np.testing.assert_allclose(images.data, arrays["train"][0][:8].reshape(8, -1) / 255.0, rtol=1e-6)


def test_test_split_drop_last_shuffle_and_resume(mnist_folder):
    folder, _ = mnist_folder
    assert len(MNISTLoader(3, split="test", source=str(folder), drop_last=True)) == 2
    loader = MNISTLoader(6, shuffle=True, source=str(folder), seed=0)
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    rest = [y.data.tolist() for _, y in it]
    again = MNISTLoader(6, shuffle=True, source=str(folder), seed=0)
    again.load_state_dict(state)
    assert [y.data.tolist() for _, y in again] == rest


def test_source_from_environment(mnist_folder, monkeypatch):
    folder, _ = mnist_folder
    monkeypatch.setenv("SIMPLEGRAD_MNIST", str(folder))
    assert MNISTLoader(4, split="test").num_samples == 8


def test_missing_split_is_a_data_error(tmp_path, idx_writer):
    idx_writer(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    idx_writer(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="no train images"):
        MNISTLoader(4, source=str(tmp_path))


def test_nn_reexport():
    nn = pytest.importorskip("simplegrad.nn")
    assert nn.MNISTLoader is MNISTLoader
