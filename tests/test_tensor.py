"""Tensor construction, dtype rules, attributes and Python protocols."""
import numpy as np
import pytest

from simplegrad import Tensor


def test_dtype_rules():
    assert Tensor([1, 2, 3]).dtype == np.float32  # lists become float32, like torch.Tensor
    assert Tensor(2.5).dtype == np.float32 and Tensor(2.5).shape == ()
    assert Tensor(np.ones(2)).dtype == np.float32
    assert Tensor(np.ones(2), dtype=np.float64).dtype == np.float64
    assert Tensor(np.array([1, 2])).dtype == np.int64  # integer labels are kept
    assert Tensor(np.array([True])).dtype == np.bool_
    t64 = Tensor(np.ones(2), dtype=np.float64)
    assert Tensor(t64).dtype == np.float64


def test_item_data_numpy_are_the_same_array():
    t = Tensor([[1.0, 2.0]])
    assert t.numpy() is t.data
    # .item is a view of the same memory that can also be called (PyTorch's t.item())
    assert isinstance(t.item, np.ndarray) and t.item.base is t.data
    t.item[0, 0] = 5.0
    assert t.data[0, 0] == 5.0
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_shape_attributes_and_protocols():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.T.shape == (3, 2)
    rows = list(t)
    assert len(rows) == 2 and rows[1].shape == (3,)
    assert float(Tensor(2.0)) == 2.0 and int(Tensor(3.0)) == 3 and bool(Tensor(1.0))
    with pytest.raises(TypeError):
        len(Tensor(1.0))
    assert hash(t) != hash(Tensor([1.0]))  # hashable by identity despite elementwise ==


def test_repr_shows_grad_fn_and_dtype():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "Tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "dtype=float64" in repr(Tensor([1.0], dtype=np.float64))


def test_construction_shares_ndarray_memory():
    a = np.ones(3, dtype=np.float32)
    t = Tensor(a)
    a[0] = 7
    assert t.data[0] == 7
