import numpy as np
import pytest

from simplegrad.data import DataError, blobs, circles, load, moons, spirals, xor
from simplegrad.data.synthetic import GENERATORS

NAMES = sorted(GENERATORS)


@pytest.mark.parametrize("name", NAMES)
def test_same_arguments_same_arrays_and_seed_changes_them(name):
    a = load(f"synthetic:{name}", n_samples=64, seed=3)
    b = load(f"synthetic:{name}", n_samples=64, seed=3)
    c = load(f"synthetic:{name}", n_samples=64, seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_balance_and_splits(name):
    ds = load(f"synthetic:{name}", n_samples=90)
    assert ds.x.shape == (90, 2) and ds.x.dtype == np.float32 and ds.y.dtype == np.int64
    counts = np.bincount(ds.y, minlength=ds.num_classes)
    if name != "xor":                                   # xor labels come from the quadrant
        assert counts.max() - counts.min() <= 1
    assert len(set(ds.y[:10].tolist())) > 1             # shuffled, not sorted by class
    test = load(f"synthetic:{name}", "test", n_samples=90)
    assert not np.array_equal(ds.x, test.x)
    assert np.isfinite(ds.x).all()


def test_num_classes_and_noise():
    assert spirals(n_samples=50, num_classes=5).num_classes == 5
    assert circles(n_samples=60, num_classes=3).num_classes == 3
    clean = moons(n_samples=100, noise=0.0)
    radius = np.hypot(clean.x[:, 0] - (clean.y == 1), clean.x[:, 1] - 0.5 * (clean.y == 1))
    np.testing.assert_allclose(radius, 1.0, atol=1e-5)   # noiseless moons lie on unit circles
    ring = circles(n_samples=100, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*ring.x.T), np.where(ring.y == 0, 1.0, 0.3), atol=1e-5)


def test_blobs_share_centres_across_splits_and_are_separable():
    train = blobs(n_samples=300, noise=0.5, seed=1)
    test = blobs(n_samples=300, noise=0.5, seed=1, split="test")
    for k in range(3):
        np.testing.assert_allclose(train.x[train.y == k].mean(0), test.x[test.y == k].mean(0),
                                   atol=0.3)
    assert blobs(n_samples=10, n_features=5).input_shape == (5,)


def test_xor_labels_match_quadrants_when_noiseless():
    ds = xor(n_samples=200, noise=0.0)
    np.testing.assert_array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] < 0).astype(int))


@pytest.mark.parametrize("source, options, message", [
    ("synthetic:nope", {}, "unknown synthetic dataset 'nope'; choose one of blobs, circles"),
    ("synthetic:moons", {"num_classes": 3}, "exactly 2 classes"),
    ("synthetic:spirals", {"n_samples": 0}, "n_samples must be a positive integer"),
    ("synthetic:spirals", {"noise": -1.0}, "noise must be a number >= 0"),
    ("synthetic:spirals", {"num_classes": 1}, "num_classes must be an integer >= 2"),
    ("synthetic:spirals", {"seed": "x"}, "seed must be a non-negative integer"),
])
def test_bad_options(source, options, message):
    with pytest.raises(DataError, match=message):
        load(source, **options)


def test_unknown_split():
    with pytest.raises(DataError, match="splits train, validation and test"):
        load("synthetic:moons", "extra")
