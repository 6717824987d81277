"""Module and Parameter: discovery of parameters, modes, state dicts, repr; containers."""
import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor, nn
from simplegrad.nn import functional as F


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.norm(self.fc(x)).relu()


class Net(nn.Module):
    """Parameters in attributes, nested modules, a list, a tuple and a dict."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(1))
        self.block = Block()
        self.heads = [nn.Linear(4, 2), nn.Linear(4, 2, bias=False)]
        self.pair = (nn.Dropout(0.5), nn.LayerNorm(2))
        self.extra = {"out": nn.Linear(2, 1)}
        self.not_a_param = Tensor(np.ones(2))

    def forward(self, x):
        h = self.block(x) * self.scale
        h = self.heads[0](h) + self.heads[1](h)
        return self.extra["out"](self.pair[1](self.pair[0](h)))


def test_named_parameters_are_found_everywhere_with_dotted_names():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["scale", "block.fc.weight", "block.fc.bias", "block.norm.weight",
                     "block.norm.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight",
                     "pair.1.weight", "pair.1.bias", "extra.out.weight", "extra.out.bias"]


def test_sequential_names_by_position_and_accepts_callables():
    model = nn.Sequential([nn.Linear(2, 16), F.relu, nn.Linear(16, 2)])
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    same = nn.Sequential(nn.Linear(2, 16), F.relu, nn.Linear(16, 2))
    assert len(same) == 3 and same[1] is F.relu and isinstance(same[-1], nn.Linear)
    assert len(same[:2]) == 2
    out = model(Tensor(np.ones((5, 2))))
    assert out.shape == (5, 2)
    with pytest.raises(TypeError, match="item 1"):
        nn.Sequential(nn.Linear(1, 1), 3)


def test_shared_parameters_appear_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert len(model.parameters()) == 2
    assert model.num_parameters() == 6


def test_children_modules_and_modes():
    net = Net()
    assert [type(m).__name__ for m in net.children()] == ["Block", "Linear", "Linear",
                                                          "Dropout", "LayerNorm", "Linear"]
    assert len(list(net.modules())) == 9
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_num_parameters():
    net = Net()
    net(Tensor(np.ones((3, 3)))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    expected = 1 + (12 + 4) + (4 + 4) + (8 + 2) + 8 + (2 + 2) + (2 + 1)
    assert net.num_parameters() == expected
    net.block.requires_grad_(False)
    assert net.num_parameters(trainable_only=True) == expected - 24


def test_state_dict_includes_buffers_and_copies():
    net = Net()
    state = net.state_dict()
    for key in ("block.norm.running_mean", "block.norm.running_var",
                "block.norm.num_batches_tracked"):
        assert key in state
    assert state["block.norm.num_batches_tracked"].dtype == np.int64
    state["scale"][...] = 5  # a copy: the model does not change
    assert net.scale.data[0] == 1
    net(Tensor(np.ones((3, 3))))
    assert int(net.block.norm.num_batches_tracked) == 1


def test_load_state_dict_round_trip_in_place():
    a, b = Net(), Net()
    a(Tensor(np.random.default_rng(0).standard_normal((4, 3))))  # move the running stats
    weight_array = b.block.fc.weight.data
    b.load_state_dict(a.state_dict())
    assert b.block.fc.weight.data is weight_array  # loaded in place
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key], value)


def test_strict_load_names_every_bad_key_in_one_line():
    net = Net()
    state = net.state_dict()
    del state["scale"], state["block.norm.running_var"]
    state["bogus"] = np.ones(1)
    state["block.fc.weight"] = np.ones((4, 3))
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    text = str(info.value)
    assert "\n" not in text
    assert "missing keys: scale, block.norm.running_var" in text
    assert "unexpected keys: bogus" in text
    assert "block.fc.weight (got (4, 3), expected (3, 4))" in text


def test_non_strict_load_skips_missing_and_unexpected():
    net = Net()
    net.load_state_dict({"scale": np.array([3.0]), "bogus": np.ones(2)}, strict=False)
    assert net.scale.data[0] == 3.0
    with pytest.raises(ValueError, match="shape mismatch"):
        net.load_state_dict({"scale": np.ones(2)}, strict=False)


def test_save_and_load_state_dict_file(tmp_path):
    a, b = Net(), Net()
    path = tmp_path / "weights.npz"
    a.save_state_dict(path)
    b.load_state_dict(path)
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[key], value)
    with pytest.raises(ValueError, match="missing keys"):
        nn.Linear(1, 1).load_state_dict(str(path))


def test_repr_is_a_tree():
    model = nn.Sequential([nn.Linear(2, 16), F.relu, nn.Sequential(nn.Linear(16, 2))])
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_dim=2, out_dim=16, bias=True)\n"
        "  (1): relu\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_dim=16, out_dim=2, bias=True)\n"
        "  )\n"
        ")")
    assert repr(nn.Conv2d(1, 2, 3)).startswith("Conv2d(1, 2, kernel_size=(3, 3)")


def test_parameter_is_a_trainable_tensor():
    p = nn.Parameter(np.zeros(3))
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert repr(p).startswith("Parameter(")
    assert nn.Parameter(np.zeros(2), dtype=np.float64).dtype == np.float64


def test_to_double_casts_parameters_and_float_buffers():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block.norm.running_mean.dtype == np.float64
    assert net.block.norm.num_batches_tracked.dtype == np.int64
    assert net(Tensor(np.ones((2, 3)), dtype=np.float64)).dtype == np.float64


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_module_list_and_dict():
    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.by_name = nn.ModuleDict({"a": nn.Linear(2, 1)})

    names = [n for n, _ in Heads().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                     "by_name.a.weight", "by_name.a.bias"]


def test_same_seed_same_model():
    simplegrad.manual_seed(7)
    a = Net()
    simplegrad.manual_seed(7)
    b = Net()
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_mnist_loader_is_reexported_lazily():
    import simplegrad.nn as nn_module
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        nn_module.Nope
    mnist = pytest.importorskip("simplegrad.data.mnist_loader")
    assert nn_module.MNISTLoader is mnist.MNISTLoader
