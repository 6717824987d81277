"""A stateful test of the engine against a PyTorch mirror: build tensors step by step, run
backward from any of them (graphs retained, so nodes are reused by later graphs), zero the
gradients, and after every step the leaves' gradients must agree."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from graph_ops import OPS

UNARY = [op for op in OPS if op.arity == 1]
BINARY = [op for op in OPS if op.arity == 2]
from random_graphs import BASES, broadcast_variants, graph_settings
from simplegrad import Tensor

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:grad and param do not obey")  # empty shapes


class EngineMirror(RuleBasedStateMachine):
    """Every tensor exists twice: simplegrad's and PyTorch's, built by the same calls."""

    def __init__(self):
        super().__init__()
        self.leaves, self.pairs = [], []

    def pick(self, index):
        """A tensor made earlier, counted back from the newest (0): small numbers build chains,
        larger ones reach back many ops for shortcuts."""
        return self.pairs[-1 - index % len(self.pairs)]

    @initialize(base=st.sampled_from(BASES), seed=st.integers(0, 2**16))
    def start(self, base, seed):
        self.variants = broadcast_variants(base)
        self.rng = np.random.default_rng(seed)

    @rule(shape=st.integers(0, 100), grad=st.booleans())
    def leaf(self, shape, grad):
        value = self.rng.standard_normal(self.variants[shape % len(self.variants)])
        pair = (Tensor(value, requires_grad=grad, dtype=np.float64),
                torch.tensor(value, requires_grad=grad))
        self.leaves.append(pair)
        self.pairs.append(pair)

    def run(self, op, inputs):
        """Apply `op` to both sides (when it fits), keep and return the new pair."""
        if not op.fits(*(mine.shape for mine, _ in inputs)):
            return None
        mine = op.ours(*(m for m, _ in inputs))
        theirs = op.theirs(torch, *(t for _, t in inputs))
        np.testing.assert_allclose(mine.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
        self.pairs.append((mine, theirs))
        return mine, theirs

    @precondition(lambda self: self.pairs)
    @rule(op=st.sampled_from(OPS), picks=st.lists(st.integers(0, 100), min_size=2, max_size=2))
    def apply(self, op, picks):
        self.run(op, [self.pick(i) for i in picks[:op.arity]])

    @precondition(lambda self: self.pairs)
    @rule(pick=st.integers(0, 100), path=st.lists(st.sampled_from(UNARY), min_size=1,
                                                   max_size=3),
          join=st.sampled_from(BINARY), direct_first=st.booleans())
    def shortcut(self, pick, path, join, direct_first):
        """z, then w = path(z), then join(z, w): z reaches the join directly and through w."""
        z = w = self.pick(pick)
        for op in path:
            w = self.run(op, [w]) or w
        self.run(join, [z, w] if direct_first else [w, z])

    @precondition(lambda self: self.pairs)
    @rule(pick=st.integers(0, 100))
    def backward(self, pick):
        mine, theirs = self.pick(pick)
        if not mine.requires_grad:
            assert not theirs.requires_grad
            return
        projection = self.rng.standard_normal(mine.shape)
        (mine * projection).sum().backward(retain_graph=True)
        (theirs * torch.as_tensor(projection)).sum().backward(retain_graph=True)

    @precondition(lambda self: self.leaves)
    @rule()
    def zero_grads(self):
        for mine, theirs in self.leaves:
            mine.zero_grad()
            theirs.grad = None

    @invariant()
    def leaf_gradients_agree(self):
        for i, (mine, theirs) in enumerate(self.leaves):
            if theirs.grad is None:
                assert mine.grad is None, f"leaf {i}"
            else:
                np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-8,
                                           atol=1e-9, err_msg=f"leaf {i}")


EngineMirror.TestCase.settings = graph_settings(150, stateful_step_count=20)
test_engine_against_pytorch_mirror = EngineMirror.TestCase
