"""Graphs where a node reaches a later op both directly and through a longer path: `z + f(z)`,
`z * g(z)`, residual blocks, a pre-norm Transformer block. Backward once ran such a node before
the longer path's gradient had arrived and dropped it, silently; these pin the fix, against
PyTorch (values and every leaf's gradient, float64) and against finite differences.
"""
import math
from types import SimpleNamespace

import numpy as np
import pytest

from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck
from simplegrad.nn import functional as F


def z_plus_f_of_z(lib, x):
    z = x * 2
    return z + z.tanh()


def z_times_g_of_z(lib, x):
    z = x * 2
    return z * z.sigmoid().exp()


def diamond_with_unequal_paths(lib, x):
    a = x.tanh()
    long_path = ((a * 3).sigmoid() * 2).tanh().exp()
    return a + long_path


def three_consumers_at_three_depths(lib, x):
    z = x.tanh()
    return z + (z * 2).sigmoid() + ((z.exp() * 0.5).tanh() * 3).sigmoid()


def residual_mlp(lib, x, w1, b1, w2, b2):
    for _ in range(2):  # two blocks sharing weights: x = x + mlp(x)
        x = x + ((x @ w1 + b1).relu() @ w2 + b2)
    return x


def prenorm_transformer_block(lib, x, wq, wk, wv, wo, w1, w2, gamma, beta):
    width = x.shape[-1]
    h = lib.layer_norm(x, (width,), gamma, beta)
    q, k, v = h @ wq, h @ wk, h @ wv
    attention = (q @ k.transpose(-1, -2) * (1 / math.sqrt(width))).softmax(-1)
    x = x + attention @ v @ wo
    return x + lib.gelu(lib.layer_norm(x, (width,), gamma, beta) @ w1) @ w2


def _shapes(rng, *shapes):
    return [rng.standard_normal(s) * 0.5 for s in shapes]


def _cases():
    rng = np.random.default_rng(0)
    return [
        (z_plus_f_of_z, _shapes(rng, (3,))),
        (z_times_g_of_z, _shapes(rng, (2, 3))),
        (diamond_with_unequal_paths, _shapes(rng, (4,))),
        (three_consumers_at_three_depths, _shapes(rng, (2, 2))),
        (residual_mlp, _shapes(rng, (3, 4), (4, 5), (5,), (5, 4), (4,))),
        (prenorm_transformer_block, _shapes(rng, (2, 4, 6), (6, 6), (6, 6), (6, 6), (6, 6),
                                            (6, 8), (8, 6), (6,), (6,))),
    ]


CASES = _cases()
IDS = [fn.__name__ for fn, _ in CASES]
OURS = SimpleNamespace(layer_norm=F.layer_norm, gelu=lambda t: t.gelu())


def _ours(fn, arrays, backwards=1):
    leaves = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    out = fn(OURS, *leaves)
    projection = np.random.default_rng(1).standard_normal(out.shape)
    loss = (out * projection).sum()
    for _ in range(backwards):
        loss.backward(retain_graph=True)
    return out, leaves


@pytest.mark.parametrize("fn, arrays", CASES, ids=IDS)
@pytest.mark.parametrize("backwards", [1, 2], ids=["once", "retain_graph_twice"])
def test_matches_pytorch(fn, arrays, backwards):
    torch = pytest.importorskip("torch")
    theirs_lib = SimpleNamespace(layer_norm=torch.nn.functional.layer_norm,
                                 gelu=torch.nn.functional.gelu)
    out, leaves = _ours(fn, arrays, backwards)
    their_leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    their_out = fn(theirs_lib, *their_leaves)
    projection = torch.tensor(np.random.default_rng(1).standard_normal(out.shape))
    their_loss = (their_out * projection).sum()
    for _ in range(backwards):
        their_loss.backward(retain_graph=True)
    np.testing.assert_allclose(out.data, their_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for i, (mine, theirs) in enumerate(zip(leaves, their_leaves)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"leaf {i}")


@pytest.mark.parametrize("fn, arrays", CASES, ids=IDS)
def test_matches_finite_differences(fn, arrays):
    result = gradcheck(lambda *leaves: fn(OURS, *leaves), arrays)
    assert result, result.summary()


def test_the_issue_example():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, dtype=np.float64)
    z = x * 2
    (z + z.tanh()).sum().backward()
    np.testing.assert_allclose(x.grad, 2 + 2 * (1 - np.tanh(2 * x.data) ** 2))
    np.testing.assert_allclose(x.grad, [2.14130165, 2.00268307, 2.00004915], rtol=1e-6)
