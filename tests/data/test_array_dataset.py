import numpy as np
import pytest

from simplegrad.data import ArrayDataset, DataError, one_hot


def make(n=10, classes=3):
    x = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    return ArrayDataset(x, np.arange(n) % classes, classes, name="toy")


def test_dtypes_shapes_and_metadata():
    ds = make()
    assert ds.x.dtype == np.float32 and ds.y.dtype == np.int64
    assert len(ds) == 10 and ds.input_shape == (2,) and ds.num_features == 2
    assert ds.num_classes == 3
    x0, y0 = ds[0]
    assert x0.tolist() == [0.0, 1.0] and y0 == 0
    assert "toy" in repr(ds)


def test_float32_input_is_not_copied():
    x = np.zeros((4, 3), np.float32)
    assert ArrayDataset(x, [0, 1, 0, 1], 2).x is x


def test_num_classes_inferred_and_string_labels_encoded():
    assert ArrayDataset(np.zeros((3, 1)), [0, 4, 2]).num_classes == 5
    ds = ArrayDataset(np.zeros((3, 1)), ["dog", "cat", "dog"])
    assert ds.y.tolist() == [1, 0, 1] and ds.class_names == ["cat", "dog"] and ds.num_classes == 2
    assert ArrayDataset(np.zeros((2, 1)), np.array([1.0, 0.0])).y.dtype == np.int64


def test_split_is_deterministic_disjoint_and_covers_everything():
    ds = make(100)
    train, val = ds.split(0.2, seed=3)
    assert len(val) == 20 and len(train) == 80
    again_train, again_val = ds.split(0.2, seed=3)
    np.testing.assert_array_equal(val.x, again_val.x)
    rows = {tuple(r) for r in np.concatenate([train.x, val.x]).tolist()}
    assert len(rows) == 100
    other = ds.split(0.2, seed=4)[1]
    assert not np.array_equal(other.x, val.x)
    assert np.all(np.diff(val.x[:, 0]) > 0)      # original order kept inside each part


def test_subset_with_indices_and_mask():
    ds = make()
    sub = ds.subset([3, 1])
    assert sub.y.tolist() == [0, 1] and sub.num_classes == 3
    assert len(ds.subset(ds.y == 0)) == 4


@pytest.mark.parametrize("x, y, classes, message", [
    (np.zeros((3, 2)), [0, 1], 2, "3 feature rows but 2 labels"),
    (np.zeros((0, 2)), [], 2, "empty"),
    (np.array([[0.0], [np.nan]]), [0, 1], 2, "NaN or inf (first in sample 1)"),
    (np.array([[0.0], [np.inf]]), [0, 1], 2, "NaN or inf"),
    (np.zeros((2, 1)), [0, 2], 2, "label 2 is out of range for 2 classes"),
    (np.zeros((2, 1)), [-1, 0], 2, "label -1 is out of range"),
    ([[1.0, 2.0], [3.0]], [0, 1], 2, "inconsistent shapes"),
    (np.zeros((2, 1)), [0.5, 1.0], 2, "whole class indices"),
    (np.zeros((2, 1)), [[0], [1]], 2, "1-D"),
    (np.array([["a"], ["b"]]), [0, 1], 2, "features must be numbers"),
    (np.zeros((2, 1)), [0, 1], 0, "num_classes must be a positive integer"),
])
def test_bad_data_is_one_line_data_error(x, y, classes, message):
    with pytest.raises(DataError) as info:
        ArrayDataset(x, y, classes, name="bad")
    assert message in str(info.value)
    assert "\n" not in str(info.value) and "'bad'" in str(info.value)


def test_ragged_object_array_of_arrays():
    x = np.empty(2, dtype=object)
    x[0], x[1] = np.zeros(2), np.zeros(3)
    with pytest.raises(DataError, match="inconsistent shapes"):
        ArrayDataset(x, [0, 1], 2)


def test_split_and_subset_errors():
    ds = make(10)
    for fraction in (0, 1, 1.5, -0.1):
        with pytest.raises(DataError, match="between 0 and 1"):
            ds.split(fraction)
    with pytest.raises(DataError, match="empty validation"):
        ds.split(0.01)
    with pytest.raises(DataError, match="empty"):
        ds.subset([])
    with pytest.raises(DataError, match="out of bounds"):
        ds.subset([10])


def test_data_error_is_a_value_error_and_folds_newlines():
    error = DataError("first\nsecond")
    assert isinstance(error, ValueError) and str(error) == "first second"


def test_one_hot():
    out = one_hot(np.array([2, 0]), 3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(DataError, match="out of range"):
        one_hot(np.array([3]), 3)
    with pytest.raises(DataError, match="integer"):
        one_hot(np.array([0.5]), 3)
