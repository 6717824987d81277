"""softmax, log_softmax and the fused cross-entropy loss (ops/softmax.py) beyond the shared table."""
import numpy as np
import pytest

from simplegrad import Tensor


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis, rng, check_op):
    x = rng.standard_normal((3, 4, 2))
    check_op(lambda t: t.softmax(axis=axis), [x], lambda t: t.softmax(dim=axis))
    check_op(lambda t: t.log_softmax(axis=axis), [x], lambda t: t.log_softmax(dim=axis))


def test_softmax_temperature(rng, check_op):
    x = rng.standard_normal((3, 5))
    check_op(lambda t: t.softmax(temperature=2.5), [x], lambda t: (t / 2.5).softmax(dim=-1))


def test_cross_entropy_with_one_hot_and_soft_targets(rng, check_op):
    logits = rng.standard_normal((5, 3))
    one_hot = np.eye(3)[[0, 2, 1, 1, 0]]
    soft = rng.dirichlet(np.ones(3), size=5)
    for targets in (one_hot, soft):
        check_op(lambda z: z.cross_entropy_loss(targets), [logits],
                 lambda z: __import__("torch").nn.functional.cross_entropy(
                     z, __import__("torch").tensor(targets)))
    # the soft targets themselves are differentiable too
    check_op(lambda z, t: z.cross_entropy_loss(t), [logits, soft],
             lambda z, t: __import__("torch").nn.functional.cross_entropy(z, t))


def test_cross_entropy_over_a_sequence_axis(rng, check_op):
    logits, labels = rng.standard_normal((2, 3, 5)), rng.integers(0, 5, size=(2, 3))
    check_op(lambda z, y: z.cross_entropy_loss(y), [logits, labels],
             lambda z, y: __import__("torch").nn.functional.cross_entropy(
                 z.reshape(-1, 5), y.reshape(-1)))


def test_labels_as_integer_tensor_or_integral_floats():
    logits = Tensor([[2.0, 0.0], [0.0, 2.0]])
    expected = logits.cross_entropy_loss(np.array([0, 1])).data
    assert logits.cross_entropy_loss(Tensor(np.array([0, 1]))).data == expected
    assert logits.cross_entropy_loss(Tensor([0, 1])).data == expected


def test_large_logits_give_finite_loss_and_gradient():
    z = Tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], requires_grad=True)
    loss = z.cross_entropy_loss(np.array([1, 2]))
    np.testing.assert_allclose(loss.data, (2001.0 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-6)
    loss.backward()
    assert np.all(np.isfinite(z.grad))
    for op in (z.softmax(), z.log_softmax()):
        assert np.all(np.isfinite(op.data))


def test_bad_targets_are_clear_errors():
    z = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"target 3 is outside \[0, 3\)"):
        z.cross_entropy_loss(np.array([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        z.cross_entropy_loss(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="shape"):
        z.cross_entropy_loss(np.ones((2, 4)))


@pytest.mark.parametrize("shape, axis", [((2, 0), -1), ((0, 3), 0), ((2, 0, 3), 1)])
def test_softmax_family_over_an_empty_axis_keeps_shapes(shape, axis):
    x = Tensor(np.zeros(shape, dtype=np.float32), requires_grad=True)
    assert x.softmax(axis).shape == shape and x.softmax(axis).dtype == np.float32
    assert x.log_softmax(axis).shape == shape
    total = x.logsumexp(axis)
    assert np.all(total.data == -np.inf)  # the log of an empty sum, as PyTorch
    (x.softmax(axis).sum() + x.log_softmax(axis).sum()).backward()
    assert x.grad.shape == shape
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(total.data, torch.zeros(shape).logsumexp(axis).numpy())
