"""Property: for any NumPy-broadcastable pair of shapes, binary-op gradients are exact and have
the input's shape (hypothesis draws the shapes)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from simplegrad.gradcheck import gradcheck
from simplegrad.testing import op_cases

OPS = {case.name: case.fn for case in op_cases()
       if case.name in ("add", "sub", "mul", "div", "maximum", "minimum")}


@settings(max_examples=60, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_binary_ops_unbroadcast_exactly(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(0.5, 2.0, s) * rng.choice([-1, 1], s) for s in shapes.input_shapes)
    if op in ("maximum", "minimum"):
        b = b + 0.01  # no exact ties under finite differences
    result = gradcheck(OPS[op], [a, b])
    assert result, result.summary()
