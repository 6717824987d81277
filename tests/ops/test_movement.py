"""Movement ops beyond the shared table (tests/ops/test_op_cases.py): negative steps, squeeze,
repeated indices, cat/stack along every axis, setitem, transpose/permute/swapaxes rules."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor

def test_negative_step_slices(rng, check_op):
    x = rng.standard_normal((5, 4))
    check_op(lambda t: t[::-1, ::-2], [x], lambda t: t.flip(0).flip(1)[:, ::2])


def test_squeeze(rng, check_op):
    x = rng.standard_normal((2, 1, 3, 1))
    check_op(lambda t: t.squeeze(), [x], lambda t: t.squeeze())
    check_op(lambda t: t.squeeze(1), [x], lambda t: t.squeeze(1))


def test_repeated_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])
    e = Tensor(np.zeros((4, 2)), requires_grad=True)
    e[Tensor(np.array([[1, 1], [3, 1]]))].sum().backward()
    np.testing.assert_array_equal(e.grad[:, 0], [0, 3, 0, 1])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat_and_stack(axis, rng, check_op):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    c = rng.standard_normal((2, 2)) if axis != 0 else rng.standard_normal((1, 3))
    check_op(lambda x, y, z: sg.cat([x, y, z], axis=axis), [a, b, c],
             lambda x, y, z: __import__("torch").cat([x, y, z], dim=axis))
    check_op(lambda x, y: sg.stack([x, y], axis=axis), [a, b],
             lambda x, y: __import__("torch").stack([x, y], dim=axis))


def test_setitem_records_the_write_and_routes_gradients():
    a = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = Tensor([10.0, 20.0], requires_grad=True)
    b = a * 1.0
    b[1:3] = v
    np.testing.assert_array_equal(b.data, [1, 10, 20, 4])
    (b * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 0, 0, 4])
    np.testing.assert_array_equal(v.grad, [2, 3])


def test_setitem_on_leaves_and_constants():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w[0] = 5.0  # allowed on a leaf, as in the original simplegrad: a data write
    assert w.is_leaf and w.data[0] == 5.0
    c = Tensor(np.zeros(3))
    c[1] = Tensor(7.0)
    np.testing.assert_array_equal(c.data, [0, 7, 0])
    with pytest.raises(RuntimeError, match="requires grad"):
        w[1] = Tensor(1.0, requires_grad=True) * 2


def test_setitem_into_a_constant_with_a_tracked_value():
    x = Tensor(np.zeros(3))
    v = Tensor(2.0, requires_grad=True)
    x[1] = v * 3
    (x * Tensor([1.0, 5.0, 1.0])).sum().backward()
    assert v.grad == 15.0


# ---- transpose(a, b) swaps two axes, as PyTorch; permute and swapaxes -----------
def test_transpose_with_two_ints_swaps_those_axes():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(Tensor(x).transpose(0, 1).data, x.T)  # not a silent no-op
    y = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(Tensor(y).transpose(0, 2).data, np.swapaxes(y, 0, 2))
    np.testing.assert_array_equal(Tensor(y).transpose(-1, 1).data, np.swapaxes(y, -1, 1))
    with pytest.raises(np.exceptions.AxisError):
        Tensor(y).transpose(0, 3)


def test_transpose_with_a_tuple_or_nothing_permutes_like_numpy():
    y = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(Tensor(y).transpose((0, 2, 1)).data, y.transpose(0, 2, 1))
    np.testing.assert_array_equal(Tensor(y).transpose([1, 0, 2]).data, y.transpose(1, 0, 2))
    np.testing.assert_array_equal(Tensor(y).transpose().data, y.T)
    np.testing.assert_array_equal(Tensor(y[0]).transpose((0, 1)).data, y[0])


@pytest.mark.parametrize("ours, theirs", [
    (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    (lambda t: t.transpose(1, -1), lambda t: t.transpose(1, -1)),
    (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    (lambda t: t.permute((1, 2, 0)), lambda t: t.permute((1, 2, 0))),
    (lambda t: t.swapaxes(0, 1), lambda t: t.swapaxes(0, 1)),
])
def test_swap_and_permute_gradients(ours, theirs, rng, check_op):
    check_op(ours, [rng.standard_normal((2, 3, 4))], theirs)
