"""The losses of nn.functional and their nn modules against PyTorch: values and gradients in
float64 (with the finite-difference check), float32, every reduction and option, N-d inputs."""
import numpy as np
import pytest

from simplegrad import Tensor, nn
from simplegrad.nn import functional as F
from simplegrad.ops.softmax import CrossEntropy


def torch():
    """PyTorch, or a skip when it is not installed (the finite-difference checks still run)."""
    return pytest.importorskip("torch")


def T(array):
    """A constant torch tensor (for weights and integer labels inside a reference lambda)."""
    return torch().tensor(array)


RNG = np.random.default_rng(0)
LOGITS, LOGITS_ND = RNG.standard_normal((5, 4)), RNG.standard_normal((2, 4, 3, 2))
LABELS = np.array([0, 3, -100, 1, 3])
LABELS_ND = RNG.integers(0, 4, (2, 3, 2))
LABELS_ND[0, 1, 0] = -100
PROBS = RNG.dirichlet(np.ones(4), 5)
PROBS_ND = np.moveaxis(RNG.dirichlet(np.ones(4), (2, 3, 2)), -1, 1)
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 1.5])
X, Y = RNG.standard_normal((3, 4)) * 2, RNG.standard_normal((3, 4))
ELEMENT_WEIGHT = RNG.uniform(0.5, 2.0, (3, 4))
P, Q = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4))


def _tf(name):
    return lambda *args, **kw: getattr(torch().nn.functional, name)(*args, **kw)


# (id, simplegrad fn of the checked inputs, PyTorch's, checked inputs)
CASES = [
    ("ce", lambda x: F.cross_entropy(x, LABELS), lambda x: _tf("cross_entropy")(x, T(LABELS)),
     [LOGITS]),
    *[(f"ce_{r}", lambda x, r=r: F.cross_entropy(x, LABELS, reduction=r),
       lambda x, r=r: _tf("cross_entropy")(x, T(LABELS), reduction=r), [LOGITS])
      for r in ("sum", "none")],
    ("ce_weight_smoothing", lambda x: F.cross_entropy(x, LABELS, CLASS_WEIGHT,
                                                      label_smoothing=0.2),
     lambda x: _tf("cross_entropy")(x, T(LABELS), T(CLASS_WEIGHT), label_smoothing=0.2),
     [LOGITS]),
    ("ce_ignore_index", lambda x: F.cross_entropy(x, LABELS % 4, ignore_index=3),
     lambda x: _tf("cross_entropy")(x, T(LABELS % 4), ignore_index=3), [LOGITS]),
    ("ce_smoothing_none", lambda x: F.cross_entropy(x, LABELS, reduction="none",
                                                    label_smoothing=0.3),
     lambda x: _tf("cross_entropy")(x, T(LABELS), reduction="none", label_smoothing=0.3),
     [LOGITS]),
    ("ce_nd", lambda x: F.cross_entropy(x, LABELS_ND % 4),
     lambda x: _tf("cross_entropy")(x, T(LABELS_ND % 4)), [LOGITS_ND]),
    ("ce_nd_weight_sum", lambda x: F.cross_entropy(x, LABELS_ND, CLASS_WEIGHT, reduction="sum",
                                                   label_smoothing=0.1),
     lambda x: _tf("cross_entropy")(x, T(LABELS_ND), T(CLASS_WEIGHT), reduction="sum",
                                    label_smoothing=0.1), [LOGITS_ND]),
    ("ce_unbatched", lambda x: F.cross_entropy(x, np.array(2)),
     lambda x: _tf("cross_entropy")(x, T(np.array(2))), [LOGITS[0]]),
    ("ce_probs", lambda x, y: F.cross_entropy(x, y), _tf("cross_entropy"), [LOGITS, PROBS]),
    ("ce_probs_nd_weight_smoothing",
     lambda x, y: F.cross_entropy(x, y, CLASS_WEIGHT, reduction="none", label_smoothing=0.2),
     lambda x, y: _tf("cross_entropy")(x, y, T(CLASS_WEIGHT), reduction="none",
                                       label_smoothing=0.2), [LOGITS_ND, PROBS_ND]),
    ("nll", lambda x: F.nll_loss(x, LABELS), lambda x: _tf("nll_loss")(x, T(LABELS)), [LOGITS]),
    ("nll_nd_weight", lambda x: F.nll_loss(x, LABELS_ND, CLASS_WEIGHT),
     lambda x: _tf("nll_loss")(x, T(LABELS_ND), T(CLASS_WEIGHT)), [LOGITS_ND]),
    *[(f"nll_{r}", lambda x, r=r: F.nll_loss(x, LABELS, CLASS_WEIGHT, reduction=r),
       lambda x, r=r: _tf("nll_loss")(x, T(LABELS), T(CLASS_WEIGHT), reduction=r), [LOGITS])
      for r in ("sum", "none")],
    *[(f"{name}_{r}", lambda x, y, name=name, r=r: getattr(F, name)(x, y, reduction=r),
       lambda x, y, name=name, r=r: _tf(name)(x, y, reduction=r), [X, Y])
      for name in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss")
      for r in ("mean", "sum", "none")],
    *[(f"{name}_weight", lambda x, y, name=name: getattr(F, name)(x, y, weight=ELEMENT_WEIGHT),
       lambda x, y, name=name: _tf(name)(x, y, weight=T(ELEMENT_WEIGHT)), [X, Y])
      for name in ("mse_loss", "l1_loss", "huber_loss")],
    ("huber_delta", lambda x, y: F.huber_loss(x, y, delta=0.5),
     lambda x, y: _tf("huber_loss")(x, y, delta=0.5), [X, Y]),
    ("smooth_l1_beta", lambda x, y: F.smooth_l1_loss(x, y, beta=0.4),
     lambda x, y: _tf("smooth_l1_loss")(x, y, beta=0.4), [X, Y]),
    ("smooth_l1_beta0", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0),
     lambda x, y: _tf("smooth_l1_loss")(x, y, beta=0.0), [X, Y]),
    ("mse_broadcast_scalar_target", lambda x: F.mse_loss(x, 0.5),
     lambda x: _tf("mse_loss")(x, torch().full_like(x, 0.5)), [X]),
    *[(f"bce_{r}", lambda x, y, r=r: F.binary_cross_entropy(x, y, reduction=r),
       lambda x, y, r=r: _tf("binary_cross_entropy")(x, y, reduction=r), [P, Q])
      for r in ("mean", "sum", "none")],
    ("bce_weight_row", lambda x, y: F.binary_cross_entropy(x, y, CLASS_WEIGHT),
     lambda x, y: _tf("binary_cross_entropy")(x, y, T(CLASS_WEIGHT)), [P, Q]),
    ("bce_logits_pos_weight", lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, ELEMENT_WEIGHT, reduction="sum", pos_weight=CLASS_WEIGHT),
     lambda x, y: _tf("binary_cross_entropy_with_logits")(
         x, y, T(ELEMENT_WEIGHT), reduction="sum", pos_weight=T(CLASS_WEIGHT)), [X, Q]),
    ("bce_logits_pos_weight_none", lambda x: F.binary_cross_entropy_with_logits(
        x, Q, reduction="none", pos_weight=CLASS_WEIGHT),
     lambda x: _tf("binary_cross_entropy_with_logits")(
         x, T(Q), reduction="none", pos_weight=T(CLASS_WEIGHT)), [X]),
]


@pytest.mark.parametrize("name, ours, theirs, inputs", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_finite_differences_and_torch(name, ours, theirs, inputs, check_op):
    check_op(ours, inputs, theirs)


@pytest.mark.parametrize("name, ours, theirs, inputs", CASES, ids=[c[0] for c in CASES])
def test_loss_in_float32_stays_float32_and_matches_torch(name, ours, theirs, inputs,
                                                         check_float32):
    check_float32(ours, inputs, theirs, rtol=1e-4, atol=1e-6)


def test_a_class_weight_that_requires_grad_gets_its_gradient(check_op):
    """PyTorch refuses to differentiate `weight`; simplegrad composes it, so it can."""
    check_op(lambda x, w: F.cross_entropy(x, LABELS, w, label_smoothing=0.1),
             [LOGITS, CLASS_WEIGHT])


def test_plain_cross_entropy_stays_one_fused_op():
    """The common case keeps the fast path: one CrossEntropy node, for 2-D, N-d (classes on
    dim 1) and soft targets, as the method `cross_entropy_loss` (class axis last)."""
    for logits, target in [(LOGITS, LABELS % 4), (LOGITS, PROBS), (LOGITS_ND, LABELS_ND % 4)]:
        x = Tensor(logits, requires_grad=True)
        assert isinstance(F.cross_entropy(x, target).grad_fn, CrossEntropy)
    x = Tensor(LOGITS, requires_grad=True)
    np.testing.assert_allclose(F.cross_entropy(x, LABELS % 4).data,
                               x.cross_entropy_loss(LABELS % 4).data)
    class_last = Tensor(np.moveaxis(LOGITS_ND, 1, -1))
    np.testing.assert_allclose(F.cross_entropy(Tensor(LOGITS_ND), LABELS_ND % 4).data,
                               F.cross_entropy_loss(class_last, LABELS_ND % 4).data, rtol=1e-6)


def test_cross_entropy_refuses_class_last_targets_of_nd_logits_with_a_hint():
    logits = Tensor(np.zeros((2, 5, 7)))  # (batch, time, vocabulary), as a GPT computes them
    with pytest.raises(ValueError, match=r"classes on dim 1.*\(2, 7\).*cross_entropy_loss"):
        F.cross_entropy(logits, np.zeros((2, 5), dtype=np.int64))
    assert logits.cross_entropy_loss(np.zeros((2, 5), dtype=np.int64)).shape == ()


@pytest.mark.parametrize("call, message", [
    (lambda: F.cross_entropy(Tensor(LOGITS), np.array([0, 1, 2, 3, 4])), "target 4 is outside"),
    (lambda: F.nll_loss(Tensor(LOGITS), np.array([0, 1, 2, 3, 4])), "target 4 is not a class"),
    (lambda: F.cross_entropy(Tensor(LOGITS), np.array([0.5] * 5)), "class indices"),
    (lambda: F.cross_entropy(Tensor(LOGITS), LABELS, np.ones(3)), r"weight must have shape \(4,\)"),
    (lambda: F.cross_entropy(Tensor(LOGITS), LABELS, label_smoothing=1.5), "label_smoothing"),
    (lambda: F.cross_entropy(Tensor(np.zeros(())), np.array(0)), "class axis"),
    (lambda: F.nll_loss(Tensor(LOGITS), PROBS), "integer class indices of shape"),
    (lambda: F.mse_loss(Tensor(X), Y, reduction="avg"), "reduction must be"),
    (lambda: F.mse_loss(Tensor(X), Y, weight=np.ones(4)), "weight of shape"),
    (lambda: F.binary_cross_entropy(Tensor(P * 2), Q), r"probabilities in \[0, 1\], got 1\.3"),
    (lambda: F.binary_cross_entropy(Tensor(P), Q, np.ones((2, 3, 4))),
     r"weight of shape \(2, 3, 4\) does not match"),
    (lambda: F.huber_loss(Tensor(X), Y, delta=0), "delta must be > 0"),
])
def test_bad_loss_arguments_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_deprecated_size_average_and_reduce_read_as_pytorch():
    x = Tensor(X)
    np.testing.assert_allclose(F.mse_loss(x, Y, size_average=False).data,
                               F.mse_loss(x, Y, reduction="sum").data)
    assert F.l1_loss(x, Y, reduce=False).shape == X.shape
    assert nn.NLLLoss(reduce=False).reduction == "none"


@pytest.mark.parametrize("logits, labels", [(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)),
                                            (np.zeros((2, 3)), np.full(2, -100))])
def test_mean_over_no_counted_target_is_nan_as_torch(logits, labels):
    th = torch()
    with np.errstate(invalid="ignore"):
        ours = F.cross_entropy(Tensor(logits), labels).data
    assert np.isnan(ours) and th.isnan(_tf("cross_entropy")(T(logits), T(labels)))


def test_binary_cross_entropy_clamps_its_logs_like_torch():
    """A certain wrong prediction costs 100 (PyTorch's clamp), its gradient is finite."""
    th = torch()
    p, y = np.array([0.0, 1.0, 0.5, 1.0, 0.0]), np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    x, ref = Tensor(p, requires_grad=True, dtype=np.float64), th.tensor(p, requires_grad=True)
    out = F.binary_cross_entropy(x, y, reduction="none")
    theirs = _tf("binary_cross_entropy")(ref, T(y), reduction="none")
    np.testing.assert_allclose(out.data, theirs.detach().numpy())
    out.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad, ref.grad.numpy())


MODULES = [  # (module, the functional call it equals, inputs)
    (lambda: nn.CrossEntropyLoss(CLASS_WEIGHT, ignore_index=3, label_smoothing=0.1),
     lambda x, t: F.cross_entropy(x, t, CLASS_WEIGHT, ignore_index=3, label_smoothing=0.1),
     (LOGITS, LABELS % 4)),
    (lambda: nn.NLLLoss(reduction="sum"), lambda x, t: F.nll_loss(x, t, reduction="sum"),
     (LOGITS, LABELS)),
    (nn.MSELoss, F.mse_loss, (X, Y)),
    (lambda: nn.L1Loss(reduction="none"), lambda x, y: F.l1_loss(x, y, reduction="none"),
     (X, Y)),
    (lambda: nn.BCELoss(CLASS_WEIGHT), lambda x, y: F.binary_cross_entropy(x, y, CLASS_WEIGHT),
     (P, Q)),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=CLASS_WEIGHT),
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=CLASS_WEIGHT), (X, Q)),
    (lambda: nn.HuberLoss(delta=0.3), lambda x, y: F.huber_loss(x, y, delta=0.3), (X, Y)),
    (lambda: nn.SmoothL1Loss(beta=0.3), lambda x, y: F.smooth_l1_loss(x, y, beta=0.3), (X, Y)),
]


@pytest.mark.parametrize("build, functional, inputs", MODULES)
def test_loss_modules_call_their_functional_form(build, functional, inputs):
    module = build()
    x = Tensor(inputs[0])
    np.testing.assert_allclose(module(x, inputs[1]).data, functional(x, inputs[1]).data)


def test_loss_weights_are_buffers_in_the_state_dict_as_in_torch():
    loss = nn.BCEWithLogitsLoss(weight=np.ones(4), pos_weight=CLASS_WEIGHT)
    assert sorted(loss.state_dict()) == ["pos_weight", "weight"]
    assert nn.CrossEntropyLoss().state_dict() == {}
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="mena")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=2.0)
