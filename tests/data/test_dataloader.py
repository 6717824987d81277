import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import simplegrad
from simplegrad import Tensor
from simplegrad.data import ArrayDataset, DataError, DataLoader


def arrays(n=10, features=3):
    x = np.arange(n * features, dtype=np.float32).reshape(n, features)
    return x, np.arange(n) % 4


def epoch_labels(loader):
    return [y.data.tolist() for _, y in loader]


def test_batches_cover_the_data_in_order_without_shuffle():
    x, y = arrays(10)
    loader = DataLoader(x, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    xb, yb = batches[0]
    assert isinstance(xb, Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
    assert not xb.requires_grad
    np.testing.assert_array_equal(np.concatenate([b[0].data for b in batches]), x)
    np.testing.assert_array_equal(batches[0][0].data, x[:4])


def test_drop_last():
    x, y = arrays(10)
    loader = DataLoader(x, y, batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b[0].shape[0] for b in loader] == [4, 4]


def test_accepts_an_array_dataset_and_converts_dtypes():
    ds = ArrayDataset(np.ones((5, 2)), [0, 1, 0, 1, 0], 2)
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 2) and yb.data.tolist() == [0, 1, 0, 1, 0]
    assert len(DataLoader(ds, 2)) == 3                 # batch size as 2nd argument, as in PyTorch
    xb, yb = next(iter(DataLoader(np.ones((3, 2), np.float64), np.array([0, 1, 1], np.int32))))
    assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_one_hot_labels():
    ds = ArrayDataset(np.ones((3, 2)), [0, 2, 1], 4)
    _, yb = next(iter(DataLoader(ds, batch_size=3, one_hot=True)))
    assert yb.dtype == np.float32 and yb.shape == (3, 4)
    np.testing.assert_array_equal(yb.data.argmax(axis=1), [0, 2, 1])


def test_shuffle_is_a_permutation_reproducible_for_a_seed_and_changes_per_epoch():
    x, y = arrays(50)
    loader = DataLoader(x, y, batch_size=8, shuffle=True, seed=7)
    first = np.concatenate([xb.data[:, 0] for xb, _ in loader])
    second = np.concatenate([xb.data[:, 0] for xb, _ in loader])
    assert sorted(first.tolist()) == sorted(x[:, 0].tolist())
    assert not np.array_equal(first, x[:, 0]) and not np.array_equal(first, second)
    again = DataLoader(x, y, batch_size=8, shuffle=True, seed=7)
    assert np.array_equal(np.concatenate([xb.data[:, 0] for xb, _ in again]), first)
    other = DataLoader(x, y, batch_size=8, shuffle=True, seed=8)
    assert not np.array_equal(np.concatenate([xb.data[:, 0] for xb, _ in other]), first)
    for xb, yb in DataLoader(x, y, batch_size=8, shuffle=True, seed=1):   # pairs stay aligned
        np.testing.assert_array_equal(yb.data, (xb.data[:, 0] // 3).astype(int) % 4)


def test_manual_seed_controls_the_default_seed():
    x, y = arrays(30)
    simplegrad.manual_seed(123)
    a = epoch_labels(DataLoader(x, y, batch_size=7, shuffle=True))
    simplegrad.manual_seed(123)
    b = epoch_labels(DataLoader(x, y, batch_size=7, shuffle=True))
    assert a == b


def test_generator_as_seed():
    x, y = arrays(30)
    a = epoch_labels(DataLoader(x, y, 7, True, seed=np.random.default_rng(5)))
    b = epoch_labels(DataLoader(x, y, 7, True, seed=np.random.default_rng(5)))
    assert a == b


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), batch=st.integers(1, 12), stop=st.integers(0, 30),
       shuffle=st.booleans(), drop_last=st.booleans(), seed=st.integers(0, 2**32))
def test_resume_mid_epoch_equals_uninterrupted(n, batch, stop, shuffle, drop_last, seed):
    x, y = arrays(n)
    if drop_last and batch > n:
        return
    make = lambda: DataLoader(x, y, batch_size=batch, shuffle=shuffle, drop_last=drop_last,
                              seed=seed)
    uninterrupted = []
    reference = make()
    for _ in range(3):
        uninterrupted += [xb.data.tolist() for xb, _ in reference]
    stop = min(stop, len(uninterrupted))

    first = make()
    taken = []
    while len(taken) < stop:                     # run `stop` batches, maybe across epochs
        for xb, _ in first:
            taken.append(xb.data.tolist())
            if len(taken) == stop:
                break
    state = json.loads(json.dumps(first.state_dict()))   # JSON round trip, as in a checkpoint

    resumed = make() if not shuffle else DataLoader(x, y, batch, True, drop_last, seed=seed + 1)
    resumed.load_state_dict(state)
    while len(taken) < len(uninterrupted):
        taken += [xb.data.tolist() for xb, _ in resumed]
    assert taken == uninterrupted


def test_state_after_a_full_epoch_starts_the_next_epoch():
    x, y = arrays(20)
    loader = DataLoader(x, y, batch_size=6, shuffle=True, seed=0)
    list(loader)
    state = loader.state_dict()
    assert state["epoch"] == 1 and state["position"] == 0
    expected = epoch_labels(loader)
    fresh = DataLoader(x, y, batch_size=6, shuffle=True, seed=0)
    fresh.load_state_dict(state)
    assert epoch_labels(fresh) == expected


def test_a_new_iteration_after_a_break_starts_a_new_epoch():
    x, y = arrays(20)
    loader = DataLoader(x, y, batch_size=5)
    next(iter(loader))
    assert len(epoch_labels(loader)) == 4 and loader.epoch == 2


def test_unshuffled_batches_are_views_not_copies():
    x, y = arrays(20)
    xb, _ = next(iter(DataLoader(x, y, batch_size=5)))
    assert np.shares_memory(xb.data, x)


def test_load_state_dict_rejects_a_state_for_other_data():
    x, y = arrays(20)
    state = DataLoader(x, y, batch_size=5).state_dict()
    with pytest.raises(DataError, match="batch_size=5 but this DataLoader has batch_size=4"):
        DataLoader(x, y, batch_size=4).load_state_dict(state)
    with pytest.raises(DataError, match="num_samples"):
        DataLoader(x[:10], y[:10], batch_size=5).load_state_dict(state)
    with pytest.raises(DataError, match="not a DataLoader state"):
        DataLoader(x, y, batch_size=5).load_state_dict({"epoch": 0})


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be a positive integer"),
    (dict(batch_size=2.5), "batch_size must be a positive integer"),
    (dict(batch_size=50, drop_last=True), "no batches"),
    (dict(shuffle=True, seed=-1), "seed must be a non-negative integer"),
])
def test_bad_arguments(kwargs, message):
    x, y = arrays(20)
    with pytest.raises(DataError, match=message):
        DataLoader(x, y, **kwargs)


def test_bad_arrays():
    x, y = arrays(20)
    with pytest.raises(DataError, match="20 feature rows but 19 labels"):
        DataLoader(x, y[:-1])
    with pytest.raises(DataError, match="empty"):
        DataLoader(x[:0], y[:0])
    with pytest.raises(DataError, match="needs labels"):
        DataLoader(x)
    with pytest.raises(DataError, match="numeric"):
        DataLoader(np.array(["a", "b"]), [0, 1])
