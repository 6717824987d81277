import numpy as np
import pytest

from simplegrad.data import DataError, load, load_idx, read_idx
from simplegrad.data.sources.idx import find_idx_files


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_round_trip(tmp_path, idx_writer, gz, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = idx_writer(tmp_path / "a-idx3-ubyte", array, gz)
    out = read_idx(path)
    assert out.shape == (2, 3, 4) and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, array)


def test_load_folder_both_splits(mnist_folder):
    folder, arrays = mnist_folder
    train = load(str(folder))
    assert len(train) == 20 and train.input_shape == (784,) and train.num_classes == 10
    images, labels = arrays["train"]
    np.testing.assert_allclose(train.x, images.reshape(20, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(train.y, labels)
    assert train.x.dtype == np.float32 and train.y.dtype == np.int64
    test = load(str(folder), "test")
    assert len(test) == 8


def test_gzipped_prefix_and_single_file_paths(tmp_path, mnist_maker):
    arrays = mnist_maker(tmp_path / "f", gz=True, prefix="fashion-")
    by_prefix = load(str(tmp_path / "f" / "fashion-"), "test")
    by_file = load(str(tmp_path / "f" / "fashion-t10k-images-idx3-ubyte.gz"), "test")
    np.testing.assert_array_equal(by_prefix.x, by_file.x)
    np.testing.assert_array_equal(by_prefix.y, arrays["t10k"][1])


def test_layout_and_normalize_options(mnist_folder):
    folder, arrays = mnist_folder
    chw = load_idx(folder, flatten=False)
    assert chw.input_shape == (1, 28, 28)
    norm = load(str(folder), normalize=(0.5, 0.25))
    np.testing.assert_allclose(norm.x, (chw.x.reshape(20, -1) - 0.5) / 0.25, rtol=1e-5)


def test_uncompressed_file_preferred_when_both_exist(mnist_folder, idx_writer):
    folder, _ = mnist_folder
    idx_writer(folder / "train-images-idx3-ubyte.gz", np.zeros((20, 28, 28), np.uint8), gz=True)
    images, _ = find_idx_files(folder, "train")
    assert images.endswith("train-images-idx3-ubyte")


def test_missing_split_names_the_files_found(tmp_path, idx_writer):
    idx_writer(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 2, 2), np.uint8))
    idx_writer(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="no train images IDX file .*files found: t10k-images"):
        load(str(tmp_path), "train")
    with pytest.raises(DataError, match="splits 'train' and 'test'"):
        load_idx(tmp_path, "val")


@pytest.mark.parametrize("corrupt, message", [
    (lambda b: b"\x01\x02" + b[2:], "not an IDX file"),
    (lambda b: b[:2] + b"\x07" + b[3:], "unknown IDX data type code 0x07"),
    (lambda b: b[:-5], "truncated or corrupt"),
    (lambda b: b + b"\x00", "truncated or corrupt"),
    (lambda b: b[:6], "header cut short"),
    (lambda b: b"", "bad magic number empty"),
])
def test_bad_headers(tmp_path, corrupt, message, idx_encoder):
    idx_bytes = idx_encoder
    path = tmp_path / "x-images-idx3-ubyte"
    path.write_bytes(corrupt(idx_bytes(np.zeros((3, 4, 4), np.uint8))))
    with pytest.raises(DataError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(b"\x1f\x8b" + b"junk" * 10)
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(path)


def test_count_mismatch_and_wrong_rank(tmp_path, idx_writer):
    idx_writer(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 2, 2), np.uint8))
    idx_writer(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(DataError, match="3 images but .* has 4 labels"):
        load(str(tmp_path))
    idx_writer(tmp_path / "train-labels-idx1-ubyte", np.zeros((3, 1), np.uint8))
    with pytest.raises(DataError, match="expected 1-D labels"):
        load(str(tmp_path))
    idx_writer(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 4), np.uint8))
    with pytest.raises(DataError, match=r"expected images of shape \(N, H, W\)"):
        load(str(tmp_path))


def test_labels_out_of_range(tmp_path, idx_writer):
    idx_writer(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 2, 2), np.uint8))
    idx_writer(tmp_path / "train-labels-idx1-ubyte", np.array([0, 12], np.uint8))
    with pytest.raises(DataError, match="label 12 is out of range for 10 classes"):
        load(str(tmp_path), num_classes=10)
    assert load(str(tmp_path)).num_classes == 13
