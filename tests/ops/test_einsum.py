"""simplegrad.einsum against torch.einsum: values and gradients (float64 with finite
differences, float32), ellipsis, traces, diagonals, implicit output, size-1 broadcasting."""
import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor

CASES = [  # (equation, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),  # implicit output: b is summed too
    ("ii", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("jii->j", [(2, 3, 3)]),  # batched trace
    ("iij->ji", [(3, 3, 2)]),
    ("ij->", [(2, 3)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij,ij->i", [(2, 3)] * 3),
    ("...ij->j", [(2, 3, 4)]),  # ellipsis summed away
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),  # ellipsis broadcasting
    ("b...h,bh->b...", [(2, 3, 4, 5), (2, 5)]),
    ("i,i->", [(1,), (3,)]),  # a size-1 axis broadcasts, as PyTorch
    ("bhqd, bhkd -> bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # spaces, attention scores
    (",i->i", [(), (3,)]),  # a 0-d operand
]


def operands(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


@pytest.mark.parametrize("equation, shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_finite_differences_and_torch(equation, shapes, check_op):
    check_op(lambda *t: simplegrad.einsum(equation, *t), operands(shapes),
             lambda *t: __import__("torch").einsum(equation, *t))


@pytest.mark.parametrize("equation, shapes", CASES[:4], ids=[c[0] for c in CASES[:4]])
def test_einsum_float32_and_list_form(equation, shapes):
    arrays = [a.astype(np.float32) for a in operands(shapes)]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = simplegrad.einsum(equation, tensors)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, np.einsum(equation, *arrays), rtol=1e-5)
    out.sum().backward()
    assert all(t.grad.dtype == np.float32 for t in tensors)


def test_einsum_of_empty_operands():
    a = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = simplegrad.einsum("ij,jk->ik", a, np.ones((3, 2)))
    assert out.shape == (0, 2)
    out.sum().backward()
    assert a.grad.shape == (0, 3)


@pytest.mark.parametrize("equation, shapes, message", [
    ("ij,jk->ik", [(2, 3)], "2 operand subscript"),
    ("ij->ik", [(2, 3)], "output letter"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "letter 'j' has sizes 3 and 4"),
    ("ii", [(2, 3)], "repeated in 'ii'"),
    ("ijk", [(2, 3)], "do not fit"),
    ("i1", [(2, 3)], "only letters"),
    ("ij->ii", [(2, 3)], "distinct letters"),
])
def test_einsum_errors_name_the_problem(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        simplegrad.einsum(equation, *operands(shapes))
