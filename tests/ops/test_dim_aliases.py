"""PyTorch's dim=/keepdim= are accepted wherever NumPy's axis=/keepdims= are."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor
from simplegrad.nn import functional as F

X = np.random.default_rng(0).standard_normal((2, 3, 4))

CASES = {  # name: (with NumPy's names, with PyTorch's names)
    "sum": (lambda t: t.sum(axis=1, keepdims=True), lambda t: t.sum(dim=1, keepdim=True)),
    "mean": (lambda t: t.mean(axis=-1), lambda t: t.mean(dim=-1)),
    # max/min(dim=) return (values, indices) as PyTorch; amax/amin take several dims
    "max": (lambda t: t.max(axis=0, keepdims=True), lambda t: t.max(dim=0, keepdim=True).values),
    "min": (lambda t: t.min(axis=(0, 2)), lambda t: t.amin(dim=(0, 2))),
    "var": (lambda t: t.var(axis=1, ddof=1), lambda t: t.var(dim=1, ddof=1)),
    "logsumexp": (lambda t: t.logsumexp(axis=2, keepdims=True),
                  lambda t: t.logsumexp(dim=2, keepdim=True)),
    "argmax": (lambda t: t.argmax(axis=1, keepdims=True), lambda t: t.argmax(dim=1, keepdim=True)),
    "argmin": (lambda t: t.argmin(axis=2), lambda t: t.argmin(dim=2)),
    "softmax": (lambda t: t.softmax(axis=0), lambda t: t.softmax(dim=0)),
    "log_softmax": (lambda t: t.log_softmax(axis=1), lambda t: t.log_softmax(dim=1)),
    "cat": (lambda t: sg.cat([t, t], axis=2), lambda t: sg.cat([t, t], dim=2)),
    "stack": (lambda t: sg.stack([t, t], axis=1), lambda t: sg.stack([t, t], dim=1)),
    "squeeze": (lambda t: t[:, :1].squeeze(axis=1), lambda t: t[:, :1].squeeze(dim=1)),
    "unsqueeze": (lambda t: t.unsqueeze(axis=1), lambda t: t.unsqueeze(dim=1)),
    "F.softmax": (lambda t: F.softmax(t, axis=0), lambda t: F.softmax(t, dim=0)),
    "F.log_softmax": (lambda t: F.log_softmax(t, axis=1), lambda t: F.log_softmax(t, dim=1)),
    "F.sum": (lambda t: F.sum(t, axis=1, keepdims=True), lambda t: F.sum(t, dim=1, keepdim=True)),
}


@pytest.mark.parametrize("name", CASES)
def test_dim_and_keepdim_mean_axis_and_keepdims(name):
    numpy_names, torch_names = CASES[name]
    expected = numpy_names(Tensor(X, dtype=np.float64))
    got = torch_names(Tensor(X, dtype=np.float64))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected.data)


def test_axis_and_dim_together_must_agree():
    t = Tensor(X)
    assert t.sum(axis=1, dim=1).shape == (2, 4)
    for call in (lambda: t.sum(axis=0, dim=1), lambda: t.softmax(axis=0, dim=1),
                 lambda: sg.cat([t, t], axis=1, dim=2), lambda: F.softmax(t, axis=0, dim=1)):
        with pytest.raises(ValueError, match="give axis or dim, not both"):
            call()


def test_unsqueeze_needs_an_axis():
    with pytest.raises(TypeError, match="unsqueeze"):
        Tensor(X).unsqueeze()
