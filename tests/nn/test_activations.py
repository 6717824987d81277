"""The activations of nn.functional and their nn modules against PyTorch: values and gradients
in float64 (with the finite-difference check) and float32, at the corners where PyTorch picks a
one-sided slope, on 0-d and empty inputs."""
import numpy as np
import pytest

from simplegrad import Tensor, nn
from simplegrad.nn import functional as F


def torch():
    return pytest.importorskip("torch")


def _tf(name, **kw):
    return lambda x: getattr(torch().nn.functional, name)(x, **kw)


# Kinks at -6, -3, -1, 0, 1, 3, 6 are all at least 0.4 away (central differences stay valid).
AWAY = np.linspace(-6.6, 6.4, 14).reshape(2, 7)
CORNERS = np.array([-6.0, -3.0, -1.0, 0.0, 1.0, 3.0, 6.0])

# (name, simplegrad fn, PyTorch fn, module)
ACTIVATIONS = [
    ("elu", lambda x: F.elu(x), _tf("elu"), nn.ELU()),
    ("elu_alpha", lambda x: F.elu(x, 0.3), _tf("elu", alpha=0.3), nn.ELU(0.3)),
    ("selu", F.selu, _tf("selu"), nn.SELU()),
    ("celu", lambda x: F.celu(x, 1.7), _tf("celu", alpha=1.7), nn.CELU(1.7)),
    ("hardtanh", F.hardtanh, _tf("hardtanh"), nn.Hardtanh()),
    ("hardtanh_bounds", lambda x: F.hardtanh(x, -3.0, 1.0),
     _tf("hardtanh", min_val=-3.0, max_val=1.0), nn.Hardtanh(-3.0, 1.0)),
    ("relu6", F.relu6, _tf("relu6"), nn.ReLU6()),
    ("hardsigmoid", F.hardsigmoid, _tf("hardsigmoid"), nn.Hardsigmoid()),
    ("hardswish", F.hardswish, _tf("hardswish"), nn.Hardswish()),
    ("logsigmoid", F.logsigmoid, _tf("logsigmoid"), nn.LogSigmoid()),
    ("softsign", F.softsign, _tf("softsign"), nn.Softsign()),
    ("mish", F.mish, _tf("mish"), nn.Mish()),
    ("quick_gelu", F.quick_gelu, lambda x: x * torch().sigmoid(1.702 * x), nn.QuickGELU()),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), _tf("leaky_relu", negative_slope=0.2),
     nn.LeakyReLU(0.2)),
    ("softmin", lambda x: F.softmin(x, dim=-1), _tf("softmin", dim=-1), nn.Softmin(dim=-1)),
    ("softmin_dim0", lambda x: F.softmin(x, dim=0), _tf("softmin", dim=0), nn.Softmin(0)),
    ("normalize", F.normalize, _tf("normalize"), None),
    ("normalize_p1_dim0", lambda x: F.normalize(x, p=1, dim=0), _tf("normalize", p=1, dim=0),
     None),
    ("normalize_p3_negative_dim", lambda x: F.normalize(x, p=3, dim=-1),
     _tf("normalize", p=3, dim=-1), None),
    ("normalize_inf", lambda x: F.normalize(x, p=float("inf")),
     _tf("normalize", p=float("inf")), None),
]
IDS = [a[0] for a in ACTIVATIONS]


@pytest.mark.parametrize("name, ours, theirs, module", ACTIVATIONS, ids=IDS)
def test_activation_matches_finite_differences_and_torch(name, ours, theirs, module, check_op):
    check_op(ours, [AWAY], theirs)


@pytest.mark.parametrize("name, ours, theirs, module", ACTIVATIONS, ids=IDS)
def test_activation_in_float32_on_corners_0d_and_empty_inputs(name, ours, theirs, module):
    """float32 stays float32, equal to PyTorch's float32 (values and gradients) at the corners,
    where a one-sided slope is picked, and on 0-d and empty inputs."""
    th = torch()
    inputs = [np.concatenate([CORNERS, AWAY.ravel()]).reshape(3, 7), np.array(0.7),
              np.zeros((0, 4))]
    if name.startswith(("normalize", "softmin_dim0")):
        inputs = inputs[:1] + inputs[2:]  # PyTorch needs a dim 1 / refuses these on 0-d
    for array in inputs:
        x = Tensor(array.astype(np.float32), requires_grad=True)
        ref = th.tensor(array.astype(np.float32), requires_grad=True)
        out, expected = ours(x), theirs(ref)
        assert out.dtype == np.float32 and out.shape == tuple(expected.shape)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=2e-6, atol=1e-7)
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(x.grad, ref.grad.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name, ours, theirs, module", ACTIVATIONS, ids=IDS)
def test_activation_module_is_its_function(name, ours, theirs, module):
    if module is None:
        pytest.skip("PyTorch has no module for it")
    x = Tensor(AWAY)
    np.testing.assert_array_equal(module(x).data, ours(x).data)
    assert type(module).__name__ in repr(module)


def test_logsigmoid_is_finite_for_huge_inputs():
    x = Tensor(np.array([-1e4, -50.0, 50.0, 1e4]), requires_grad=True, dtype=np.float64)
    out = F.logsigmoid(x)
    np.testing.assert_allclose(out.data, [-1e4, -50.0, -np.exp(-50.0), 0.0], rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0, np.exp(-50.0), 0.0], rtol=1e-9, atol=1e-300)


def test_elu_family_never_overflows_in_the_unused_branch():
    x = Tensor(np.array([1e4, -1e4]), requires_grad=True, dtype=np.float64)
    for fn in (F.elu, F.selu, F.celu):
        x.grad = None
        fn(x).sum().backward()
        assert np.isfinite(x.grad).all()


def test_normalize_leaves_a_zero_vector_zero_with_a_finite_gradient():
    th = torch()
    x = Tensor(np.zeros((2, 3)), requires_grad=True, dtype=np.float64)
    ref = th.zeros((2, 3), dtype=th.float64, requires_grad=True)
    out = F.normalize(x)
    (out * np.arange(6.0).reshape(2, 3)).sum().backward()
    (th.nn.functional.normalize(ref) * th.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(out.data, 0.0)
    np.testing.assert_allclose(x.grad, ref.grad.numpy())


@pytest.mark.parametrize("make", [lambda: F.elu(Tensor(AWAY), inplace=True),
                                  lambda: F.leaky_relu(Tensor(AWAY), 0.1, True),
                                  lambda: nn.ReLU6(inplace=True), lambda: nn.LeakyReLU(0.1, True),
                                  lambda: nn.Hardswish(True)])
def test_inplace_true_is_refused_not_ignored(make):
    with pytest.raises(ValueError, match="inplace=True is not supported"):
        make()


def test_bad_activation_arguments():
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(Tensor(AWAY), 1.0, -1.0)
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="alpha must not be 0"):
        F.celu(Tensor(AWAY), 0.0)
