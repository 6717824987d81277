"""The engine on random graphs (fan-out, shortcuts of any length, reuse, broadcasting, in-place
writes, views, 0-d and empty tensors), against PyTorch and against finite differences.

Per-op tests run one op on leaves and cannot see graph-structure bugs: a node reached both
directly and through a longer path (`z + f(z)`) lost the longer path's gradient for years
while every op test passed. These tests find that bug in their first examples.
"""
import numpy as np
import pytest
from hypothesis import assume, given

from random_graphs import build, graph_settings, leaf_values, recipes
from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck

VALUES = dict(rtol=1e-10, atol=1e-10)
GRADS = dict(rtol=1e-8, atol=1e-9)


def ours(recipe):
    """The recipe in simplegrad, float64."""
    return build(recipe, lambda a, grad: Tensor(a, requires_grad=grad, dtype=np.float64))


@graph_settings(400)
@given(recipes())
def test_values_and_every_leaf_gradient_match_pytorch(recipe):
    torch = pytest.importorskip("torch")
    leaves, nodes, loss = ours(recipe)
    assume(loss.requires_grad)
    their_leaves, their_nodes, their_loss = build(
        recipe, lambda a, grad: torch.tensor(a, requires_grad=grad), torch=torch)
    for mine, theirs in zip(nodes, their_nodes):
        assert mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), **VALUES)
    loss.backward()
    their_loss.backward()
    for i, (mine, theirs) in enumerate(zip(leaves, their_leaves)):
        if theirs.grad is None:
            assert mine.grad is None, f"leaf {i}"
        else:
            assert mine.grad is not None, f"leaf {i}"
            assert mine.grad.shape == tuple(theirs.grad.shape), f"leaf {i}"
            np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), **GRADS,
                                       err_msg=f"leaf {i}")


@graph_settings(120)
@given(recipes(max_steps=6))
def test_every_leaf_gradient_matches_finite_differences(recipe):
    """The same graphs without PyTorch: central differences of the loss in float64."""
    arrays, _ = leaf_values(recipe)
    needs = [grad for _, grad in recipe.leaves]
    assume(all(a.size for a in arrays))

    def loss_of(*checked):
        """The loss as a function of the leaves that need a gradient (gradcheck's leaves)."""
        it = iter(checked)
        values = [next(it) if grad else Tensor(a, dtype=np.float64)
                  for a, grad in zip(arrays, needs)]
        return build(recipe, lambda leaf, grad: leaf, values=values)[2]

    assume(ours(recipe)[2].requires_grad)
    checked = [a for a, grad in zip(arrays, needs) if grad]
    result = gradcheck(loss_of, checked, atol=1e-5, rtol=1e-4)
    assert result, result.summary()
