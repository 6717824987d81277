"""Random computation graphs: a recipe (leaf shapes, then ops that pick any earlier nodes as
inputs) drawn by Hypothesis, and its evaluation with simplegrad or with PyTorch.

Picking any earlier node gives fan-out, reuse after other ops and shortcuts of every length;
the base shapes include 0-d, size-1 and empty dimensions.
"""
import itertools
import os
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, settings, strategies as st

from simplegrad import Tensor, no_grad
from graph_ops import BY_NAME, OPS

BASES = [(2, 3), (3,), (), (1,), (2, 1, 3), (3, 3), (0, 3), (2, 0)]
SOAK = int(os.environ.get("SIMPLEGRAD_FUZZ_EXAMPLES", "0"))  # > 0: a longer, random soak run


def graph_settings(examples, **extra):
    """The same `examples` every run (CI cannot fail by luck), or $SIMPLEGRAD_FUZZ_EXAMPLES
    random ones for a soak run."""
    return settings(max_examples=SOAK or examples, derandomize=not SOAK, deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow], **extra)


def broadcast_variants(base):
    """Every shape that broadcasts to `base`: its suffixes, with any dims replaced by 1."""
    shapes = set()
    for start in range(len(base) + 1):
        suffix = base[start:]
        for ones in itertools.product([False, True], repeat=len(suffix)):
            shapes.add(tuple(1 if one else n for n, one in zip(suffix, ones)))
    return sorted(shapes)


@dataclass
class Recipe:
    """Leaves (shape, requires grad), steps (op name, input node indices), the nodes summed into
    the loss, and the seed of the values."""

    leaves: list
    steps: list
    loss_nodes: list
    seed: int

    def __repr__(self):  # what Hypothesis prints for a failing example
        return (f"Recipe(leaves={self.leaves}, steps={self.steps}, "
                f"loss_nodes={self.loss_nodes}, seed={self.seed})")


def _shape_of(op, shapes):
    """The output shape of `op` on inputs of `shapes` (run on zeros, no graph)."""
    with no_grad():
        args = [Tensor(np.zeros(s), dtype=np.float64) for s in shapes]
        return op.ours(*args).shape


@st.composite
def recipes(draw, max_steps=10):
    """A random graph recipe."""
    base = draw(st.sampled_from(BASES))
    variants = broadcast_variants(base)
    leaves = [(draw(st.sampled_from(variants)), draw(st.booleans()))
              for _ in range(draw(st.integers(1, 3)))]
    leaves[0] = (leaves[0][0], True)  # at least one leaf needs a gradient
    shapes = [shape for shape, _ in leaves]
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(OPS))
        inputs = tuple(draw(st.integers(0, len(shapes) - 1)) for _ in range(op.arity))
        if not op.fits(*(shapes[i] for i in inputs)):
            continue
        steps.append((op.name, inputs))
        shapes.append(_shape_of(op, [shapes[i] for i in inputs]))
    loss_nodes = draw(st.lists(st.integers(0, len(shapes) - 1), min_size=1, max_size=4))
    return Recipe(leaves, steps, loss_nodes, draw(st.integers(0, 2**16)))


def leaf_values(recipe):
    """The leaves' float64 values and the loss's projections, from the recipe's seed."""
    rng = np.random.default_rng(recipe.seed)
    return [rng.standard_normal(shape) for shape, _ in recipe.leaves], rng


def build(recipe, make_leaf, torch=None, values=None):
    """Run the recipe: returns (leaves, nodes, loss). `make_leaf(array, requires_grad)` makes a
    leaf of the backend; ops run as simplegrad's unless `torch` is given."""
    arrays, rng = leaf_values(recipe)
    if values is not None:
        arrays = values
    leaves = [make_leaf(a, grad) for a, (_, grad) in zip(arrays, recipe.leaves)]
    nodes = list(leaves)
    for name, inputs in recipe.steps:
        op = BY_NAME[name]
        args = [nodes[i] for i in inputs]
        nodes.append(op.ours(*args) if torch is None else op.theirs(torch, *args))
    loss = 0.0
    for i in recipe.loss_nodes:
        projection = rng.standard_normal(tuple(nodes[i].shape))
        weight = projection if torch is None else torch.as_tensor(projection)
        loss = loss + (nodes[i] * weight).sum()
    return leaves, nodes, loss
