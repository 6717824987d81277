"""Every layer against PyTorch in float64: forward, input gradient and parameter gradients
(plus running statistics) to 1e-6. Skipped without torch."""
import numpy as np
import pytest

from simplegrad import Tensor, nn

torch = pytest.importorskip("torch")
tnn = torch.nn
TOL = dict(rtol=1e-6, atol=1e-6)


def _copy_weights(ours, theirs):
    """Give our (float64) layer PyTorch's parameters and buffers; Linear weights transposed."""
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        value = p.detach().numpy()
        if isinstance(_owner(ours, name), nn.Linear) and name.endswith("weight"):
            value = value.T
        mine[name].data[...] = value
    state = {k: v.numpy().copy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: (mine[k].data if k in mine else state[k]) for k in state})


def _owner(module, name):
    for part in name.split(".")[:-1]:
        module = module[int(part)] if isinstance(module, nn.Sequential) else getattr(module, part)
    return module


def compare(ours, theirs, x, train=True, passes=1):
    """Run both modules on x (passes times, to move running stats) and compare everything."""
    ours.double().train(train)
    theirs.double().train(train)
    _copy_weights(ours, theirs)
    integer = x.dtype.kind in "iu"
    for _ in range(passes):
        xs = Tensor(x) if integer else Tensor(x, requires_grad=True, dtype=np.float64)
        xt = torch.tensor(x) if integer else torch.tensor(x, requires_grad=True)
        ours.zero_grad()
        theirs.zero_grad()
        out, ref = ours(xs), theirs(xt)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL)
        g = np.random.default_rng(1).standard_normal(out.shape)
        out.backward(g)
        ref.backward(torch.tensor(g))
    if not integer:
        np.testing.assert_allclose(xs.grad, xt.grad.numpy(), **TOL)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        grad = p.grad.numpy()
        if isinstance(_owner(ours, name), nn.Linear) and name.endswith("weight"):
            grad = grad.T
        np.testing.assert_allclose(mine[name].grad, grad, err_msg=name, **TOL)
    ours_state = ours.state_dict()
    for name, value in theirs.state_dict().items():
        if name not in mine:  # buffers
            np.testing.assert_allclose(ours_state[name], value.numpy(), err_msg=name, **TOL)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    compare(nn.Linear(5, 3, bias=bias), tnn.Linear(5, 3, bias=bias), rand(4, 5))
    compare(nn.Linear(5, 3, bias=bias), tnn.Linear(5, 3, bias=bias), rand(2, 4, 5))


@pytest.mark.parametrize("ours, theirs", [
    (nn.ReLU(), tnn.ReLU()), (nn.Sigmoid(), tnn.Sigmoid()), (nn.Tanh(), tnn.Tanh()),
    (nn.GELU(), tnn.GELU()), (nn.GELU("tanh"), tnn.GELU("tanh")), (nn.SiLU(), tnn.SiLU()),
    (nn.LeakyReLU(), tnn.LeakyReLU()), (nn.LeakyReLU(0.2), tnn.LeakyReLU(0.2)),
    (nn.Softmax(), tnn.Softmax(dim=-1)), (nn.Softmax(dim=1), tnn.Softmax(dim=1)),
    (nn.LogSoftmax(axis=0), tnn.LogSoftmax(dim=0)), (nn.Identity(), tnn.Identity()),
    (nn.Flatten(), tnn.Flatten()), (nn.Flatten(0, 1), tnn.Flatten(0, 1)),
], ids=lambda m: repr(m))
def test_parameter_free_layers(ours, theirs):
    compare(ours, theirs, rand(3, 4, 5))


def test_dropout_in_eval_mode_and_with_p0():
    compare(nn.Dropout(0.5), tnn.Dropout(0.5), rand(4, 6), train=False)
    compare(nn.Dropout(0.0), tnn.Dropout(0.0), rand(4, 6), train=True)


@pytest.mark.parametrize("shape, normalized, affine", [
    ((4, 6), 6, True), ((2, 3, 4), (3, 4), True), ((5, 3), 3, False)])
def test_layer_norm(shape, normalized, affine):
    compare(nn.LayerNorm(normalized, elementwise_affine=affine),
            tnn.LayerNorm(normalized, elementwise_affine=affine), rand(*shape))


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batch_norm_1d(train, momentum):
    compare(nn.BatchNorm1d(3, momentum=momentum), tnn.BatchNorm1d(3, momentum=momentum),
            rand(6, 3), train=train, passes=3)
    compare(nn.BatchNorm1d(3, momentum=momentum), tnn.BatchNorm1d(3, momentum=momentum),
            rand(4, 3, 5), train=train, passes=2)


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_2d(train):
    compare(nn.BatchNorm2d(2, eps=1e-3), tnn.BatchNorm2d(2, eps=1e-3), rand(3, 2, 4, 5),
            train=train, passes=2)


def test_batch_norm_eval_after_training_uses_running_stats():
    ours, theirs = nn.BatchNorm2d(3), tnn.BatchNorm2d(3)
    compare(ours, theirs, rand(4, 3, 2, 2), train=True, passes=3)
    ours.eval()
    theirs.eval()
    x = rand(2, 3, 2, 2, seed=5)
    np.testing.assert_allclose(ours(Tensor(x, dtype=np.float64)).data,
                               theirs(torch.tensor(x)).detach().numpy(), **TOL)


def test_batch_norm_without_affine_or_tracking():
    compare(nn.BatchNorm1d(3, affine=False), tnn.BatchNorm1d(3, affine=False), rand(5, 3))
    compare(nn.BatchNorm1d(3, track_running_stats=False),
            tnn.BatchNorm1d(3, track_running_stats=False), rand(5, 3), train=False)


def test_embedding_with_repeated_ids():
    ids = np.array([[0, 3, 3], [9, 0, 3]])
    compare(nn.Embedding(10, 4), tnn.Embedding(10, 4), ids)


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), bias=False)])
def test_conv2d(kwargs):
    compare(nn.Conv2d(2, 3, **kwargs), tnn.Conv2d(2, 3, **kwargs), rand(2, 2, 7, 6))


@pytest.mark.parametrize("ours, theirs", [
    (nn.MaxPool2d(2), tnn.MaxPool2d(2)), (nn.MaxPool2d(3, 2, 1), tnn.MaxPool2d(3, 2, 1)),
    (nn.AvgPool2d(2), tnn.AvgPool2d(2)), (nn.AvgPool2d(3, 1, 1), tnn.AvgPool2d(3, 1, 1))],
    ids=repr)
def test_pooling(ours, theirs):
    compare(ours, theirs, rand(2, 3, 6, 7))


def test_small_cnn_end_to_end():
    ours = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 2, 3), nn.GELU(), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(2, 5), nn.LayerNorm(5), nn.Tanh(),
                         nn.Linear(5, 3))
    theirs = tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                            tnn.MaxPool2d(2), tnn.Conv2d(4, 2, 3), tnn.GELU(), tnn.AvgPool2d(2),
                            tnn.Flatten(), tnn.Linear(2, 5), tnn.LayerNorm(5), tnn.Tanh(),
                            tnn.Linear(5, 3))
    compare(ours, theirs, rand(3, 1, 8, 8), passes=2)
