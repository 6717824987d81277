"""nn.utils.clip_grad_norm: PyTorch's result, returning the norm, never writing in place."""
import math

import numpy as np
import pytest

from simplegrad import nn
from simplegrad.nn.utils import clip_grad_norm


def _params(rng):
    params = [nn.Parameter(np.zeros(s), dtype=np.float64) for s in [(3, 4), (4,), (2, 2)]]
    for p in params:
        p.grad = rng.standard_normal(p.shape)
    return params


@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (1.0, 1.0),
                                                 (0.3, math.inf)])
def test_matches_torch(max_norm, norm_type, rng):
    torch = pytest.importorskip("torch")
    params = _params(rng)
    tparams = [torch.zeros(p.shape, dtype=torch.float64, requires_grad=True) for p in params]
    for p, t in zip(params, tparams):
        t.grad = torch.tensor(p.grad)
    total = clip_grad_norm(params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    assert total == pytest.approx(float(expected), rel=1e-12)
    for p, t in zip(params, tparams):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)


def test_replaces_gradients_instead_of_writing_into_them(rng):
    params = _params(rng)
    originals = [p.grad for p in params]
    copies = [g.copy() for g in originals]
    total = clip_grad_norm(params, 0.1)
    expected = math.sqrt(sum(float((g ** 2).sum()) for g in copies))
    assert total == pytest.approx(expected)
    for p, original, copy in zip(params, originals, copies):
        assert p.grad is not original
        np.testing.assert_array_equal(original, copy)
    assert math.sqrt(sum(float((p.grad ** 2).sum()) for p in params)) == pytest.approx(0.1)


def test_float32_and_edge_cases():
    p = nn.Parameter(np.zeros(3))
    assert clip_grad_norm([p], 1.0) == 0.0  # no gradients at all
    p.grad = np.full(3, 10.0, dtype=np.float32)
    clip_grad_norm(p, 1.0)  # a single tensor is accepted
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p.grad), 1.0, rtol=1e-5)
    p.grad = np.zeros(3, dtype=np.float32)
    assert clip_grad_norm([p], 1.0) == 0.0 and not p.grad.any()
