"""What PyTorch programs call on modules: apply, ModuleDict attributes, device and
dtype moves, zero_grad(set_to_none=), a state dict saved and loaded in one call, and weight
tying with Linear's (in, out) layout."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor, nn
from simplegrad.nn import functional as F


def test_apply_visits_every_module_children_first():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 3), nn.ReLU()))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Linear", "ReLU", "Sequential", "Sequential"]

    def init(module):
        if isinstance(module, nn.Linear):
            module.weight.data[...] = 0.5
    model.apply(init)
    assert all(np.all(m.weight.data == 0.5) for m in model.modules() if isinstance(m, nn.Linear))


def test_module_dict_reads_keys_as_attributes():
    heads = nn.ModuleDict({"policy": nn.Linear(2, 3), "value": nn.Linear(2, 1)})
    assert heads.policy is heads["policy"] and heads.value.out_dim == 1
    with pytest.raises(AttributeError, match="'critic'"):
        heads.critic
    assert [name for name, _ in heads.named_parameters()][:2] == ["policy.weight", "policy.bias"]


def test_module_moves_to_the_cpu_and_casts():
    model = nn.Linear(2, 3)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.weight.dtype == np.float32
    model.to("cpu", np.float64)
    assert model.weight.dtype == np.float64
    model.to(device=sg.device("cpu"), dtype=sg.float32)
    assert model.bias.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()


def test_module_zero_grad_set_to_none_false():
    model = nn.Linear(2, 1)
    model(Tensor(np.ones((1, 2)))).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_saved_and_loaded_in_one_call(tmp_path):
    model, other = nn.Linear(3, 2), nn.Linear(3, 2)
    sg.save(model.state_dict(), tmp_path / "model.pt")  # any file name, as torch.save
    other.load_state_dict(sg.load(tmp_path / "model.pt"))
    np.testing.assert_array_equal(other.weight.data, model.weight.data)
    sg.save(model, tmp_path / "whole.npz")  # a Module: its state dict
    assert set(sg.load(tmp_path / "whole.npz")) == {"weight", "bias"}
    with pytest.raises(TypeError, match="state dict"):
        sg.save([model.weight], tmp_path / "list.npz")
    with pytest.raises(TypeError, match="not arrays of numbers"):
        sg.save({"name": np.array(["text"])}, tmp_path / "text.npz")


class TiedLM(nn.Module):
    """A token embedding whose weight is also the output layer: logits = h @ wte.weight.T.
    Linear stores W as (in, out), so the head is F.linear(h, weight.T), not a Linear."""

    def __init__(self, vocab, width):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.mix = nn.Linear(width, width)

    def forward(self, tokens):
        h = self.mix(self.wte(tokens)).tanh()
        return F.linear(h, self.wte.weight.T)


def test_weight_tying_through_a_transpose_matches_torch():
    torch = pytest.importorskip("torch")
    sg.manual_seed(0)
    model = TiedLM(7, 4).double()
    tokens, targets = np.array([[1, 4, 6], [0, 2, 2]]), np.array([[4, 6, 0], [2, 2, 5]])
    logits = model(tokens)
    assert logits.shape == (2, 3, 7)
    logits.cross_entropy_loss(targets).backward()  # classes last, as a language model's
    assert [name for name, _ in model.named_parameters()] == ["wte.weight", "mix.weight",
                                                               "mix.bias"]

    wte = torch.nn.Embedding(7, 4).double()
    mix = torch.nn.Linear(4, 4).double()
    head = torch.nn.Linear(4, 7, bias=False).double()
    head.weight = wte.weight  # PyTorch's tying: the same Parameter
    with torch.no_grad():
        wte.weight.copy_(torch.tensor(model.wte.weight.data))
        mix.weight.copy_(torch.tensor(model.mix.weight.data.T))  # (in, out) -> (out, in)
        mix.bias.copy_(torch.tensor(model.mix.bias.data))
    ref = head(mix(wte(torch.tensor(tokens))).tanh())
    torch.nn.functional.cross_entropy(ref.reshape(-1, 7), torch.tensor(targets).reshape(-1)) \
        .backward()
    np.testing.assert_allclose(logits.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.wte.weight.grad, wte.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
