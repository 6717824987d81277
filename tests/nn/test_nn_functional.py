"""nn.functional: losses (gradcheck + PyTorch), dropout, embedding, the original names."""
import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor
from simplegrad.nn import functional as F


def tf():
    import torch.nn.functional as TF
    return TF


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction, rng, check_op):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    check_op(lambda x: F.mse_loss(x, b, reduction=reduction), [a],
             lambda x: tf().mse_loss(x, __import__("torch").tensor(b), reduction=reduction))
    check_op(lambda x, y: F.mse_loss(x, y, reduction=reduction), [a, b],
             lambda x, y: tf().mse_loss(x, y, reduction=reduction))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction, rng, check_op):
    z = rng.standard_normal((5, 2)) * 3
    y = (rng.random((5, 2)) > 0.5).astype(np.float64)
    check_op(lambda z: F.binary_cross_entropy_with_logits(z, y, reduction=reduction), [z],
             lambda z: tf().binary_cross_entropy_with_logits(
                 z, __import__("torch").tensor(y), reduction=reduction))


def test_silu(rng, check_op):
    x = rng.standard_normal((4, 5)) * 3
    check_op(lambda x: F.silu(x), [x], lambda x: tf().silu(x))
    np.testing.assert_allclose(F.silu(Tensor(x)).data, x / (1 + np.exp(-x)), rtol=1e-6)


def test_binary_cross_entropy_is_stable_for_large_logits():
    z = Tensor(np.array([1000.0, -1000.0, 1000.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, np.array([1.0, 0.0, 0.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad, [0.0, 0.0, 1.0])


def test_cross_entropy_is_cross_entropy_loss_on_2d_logits(rng, check_op):
    """The two differ only for N-d logits: classes on dim 1 (PyTorch) or last (the method)."""
    logits, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    np.testing.assert_array_equal(F.cross_entropy(Tensor(logits), labels).data,
                                  F.cross_entropy_loss(Tensor(logits), labels).data)
    check_op(lambda z: F.cross_entropy(z, labels), [logits],
             lambda z: tf().cross_entropy(z, __import__("torch").tensor(labels)))
    one_hot = np.eye(4)[labels]
    np.testing.assert_allclose(F.cross_entropy_loss(Tensor(logits), one_hot).data,
                               F.cross_entropy(Tensor(logits), labels).data, rtol=1e-6)


def test_original_simplegrad_names(rng):
    a = rng.standard_normal((3, 3)).astype(np.float32)
    t = Tensor(a)
    np.testing.assert_allclose(F.relu(t).data, np.maximum(a, 0))
    np.testing.assert_allclose(F.sigmoid(t).data, 1 / (1 + np.exp(-a)), rtol=1e-6)
    np.testing.assert_allclose(F.softmax(t).data.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(F.exp(t).data, np.exp(a), rtol=1e-6)
    np.testing.assert_allclose(F.log(F.exp(t)).data, a, atol=1e-6)
    np.testing.assert_allclose(F.sum(t, axis=0).data, a.sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(F.dot(t, t).data, a @ a, rtol=1e-5)
    np.testing.assert_allclose(F.pow(t, 2).data, a ** 2, rtol=1e-6)
    np.testing.assert_allclose(F.softmax(t, dim=0).data.sum(axis=0), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="axis or dim"):
        F.softmax(t, axis=0, dim=1)


def test_dropout_masks_and_scales():
    simplegrad.manual_seed(0)
    x = Tensor(np.ones((200, 100), dtype=np.float32), requires_grad=True)
    out = F.dropout(x, 0.3, training=True)
    assert out.dtype == np.float32
    values = set(np.unique(out.data).tolist())
    assert values <= {0.0, np.float32(1 / 0.7)}
    assert abs((out.data == 0).mean() - 0.3) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # gradient is the scaled mask
    assert F.dropout(x, 0.3, training=False) is x
    assert not F.dropout(x, 1.0).data.any()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.dropout(x, 1.5)


def test_dropout_is_reproducible_with_manual_seed():
    x = Tensor(np.ones((10, 10)))
    simplegrad.manual_seed(3)
    a = F.dropout(x, 0.5).data
    simplegrad.manual_seed(3)
    b = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)


def test_embedding_checks_indices():
    w = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    np.testing.assert_array_equal(F.embedding(np.array([2, 0]), w).data, [[4, 5], [0, 1]])
    np.testing.assert_array_equal(F.embedding(Tensor(np.array([[1]])), w).data, [[[2, 3]]])
    with pytest.raises(ValueError, match="out of range"):
        F.embedding(np.array([3]), w)
    with pytest.raises(ValueError, match="integers"):
        F.embedding(np.array([1.0]), w)


def test_flatten():
    x = Tensor(np.zeros((2, 3, 4, 5)))
    assert F.flatten(x).shape == (2, 60)
    assert F.flatten(x, 1, 2).shape == (2, 12, 5)
    assert F.flatten(x, 0).shape == (120,)


def test_binary_cross_entropy_with_logits_at_exactly_zero_has_the_smooth_gradient():
    """A zero-initialised output layer's first step: the gradient is sigmoid(0) - y."""
    z = Tensor(np.zeros(3), requires_grad=True, dtype=np.float64)
    F.binary_cross_entropy_with_logits(z, np.array([1.0, 0.0, 1.0])).backward()
    np.testing.assert_allclose(z.grad, (0.5 - np.array([1.0, 0.0, 1.0])) / 3)


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss,
                                  F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_an_elementwise_loss_refuses_a_target_that_would_broadcast_the_input(loss):
    x = Tensor(np.full((4, 1), 0.5), requires_grad=True)
    with pytest.raises(ValueError, match=r"target of shape \(4,\) does not match input of "
                                         r"shape \(4, 1\) \(they would broadcast to \(4, 4\)\)"):
        loss(x, np.zeros(4))
    with pytest.raises(ValueError, match="does not match input"):
        loss(x, np.zeros(3))
    assert loss(x, np.zeros((4, 1))).shape == ()  # same shape, or a scalar target: fine
    assert loss(x, 0.0).shape == ()


@pytest.mark.parametrize("shape, start, expected", [
    ((0, 2, 3), 1, (0, 6)), ((2, 0, 3), 1, (2, 0)), ((), 0, (1,)), ((2, 3), 0, (6,))])
def test_flatten_with_empty_and_zero_d_inputs(shape, start, expected):
    assert F.flatten(Tensor(np.zeros(shape)), start).shape == expected
    if shape:
        assert Tensor(np.zeros(shape)).flatten(start).shape == expected


def test_linear_backward_with_zero_input_features_and_batch_axes():
    x = Tensor(np.zeros((2, 3, 0)), requires_grad=True)
    w = Tensor(np.zeros((0, 4)), requires_grad=True)
    b = Tensor(np.ones(4), requires_grad=True)
    out = F.linear(x, w, b)
    assert out.shape == (2, 3, 4)
    out.sum().backward()
    assert x.grad.shape == (2, 3, 0) and w.grad.shape == (0, 4)
    np.testing.assert_array_equal(b.grad, [6.0] * 4)
