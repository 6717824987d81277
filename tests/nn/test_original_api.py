"""The original simplegrad's public API works here with its meaning: its MNIST
example's model, loader and loop, written in that API, train on small local IDX data."""
import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor, gradcheck, nn, optim
from simplegrad.nn import functional as F


def test_original_mnist_example_trains_unchanged(tmp_path, monkeypatch, pattern_digits):
    pattern_digits(tmp_path, "train", 300, np.random.default_rng(0))
    pattern_digits(tmp_path, "t10k", 100, np.random.default_rng(1))
    monkeypatch.setenv("SIMPLEGRAD_MNIST", str(tmp_path))  # where MNISTLoader finds MNIST
    monkeypatch.chdir(tmp_path)
    simplegrad.manual_seed(0)

    # ---- the original example's model, loader and loop, in its own API ----
    class MLP(nn.Module):
        def __init__(self, in_dim: int, out_dim: int):
            super().__init__()
            self.net = nn.Sequential([
                nn.Linear(in_dim, 128, use_bias=False),
                F.relu,
                nn.Linear(128, out_dim, use_bias=False),
            ])

        def forward(self, x: Tensor) -> Tensor:
            return self.net(x)

    def train_epoch(loader, model, opt):
        losses = []
        for images, labels in loader:
            opt.zero_grad()
            logits = model(images)
            loss = logits.cross_entropy_loss(labels)
            loss.backward()
            opt.step()
            losses.append(loss.item)
        return np.sum(losses) / len(losses)

    def evaluate(loader, model):
        correct = total = 0
        for images, labels in loader:
            logits = model(images)
            preds = np.argmax(logits.item, axis=-1)
            targets = np.argmax(labels.item, axis=-1)
            correct += np.sum(preds == targets)
            total += preds.shape[0]
        return correct / total

    train_loader = nn.MNISTLoader(batch_size=32, shuffle=True, split="train")
    eval_loader = nn.MNISTLoader(batch_size=32, split="test")
    model = MLP(in_dim=train_loader.images_size_flattened, out_dim=eval_loader.num_classes)
    opt = optim.Adam(model.parameters())
    losses = [train_epoch(train_loader, model, opt) for _ in range(5)]
    accuracy = evaluate(eval_loader, model)
    model.save_state_dict(path="./checkpoints/model_new.npz")
    # ------------------------------------------------------------------------

    assert train_loader.num_samples == 300 and eval_loader.num_samples == 100
    assert isinstance(opt, optim.Optimizer) and losses[-1] < losses[0] / 3, losses
    assert accuracy >= 0.9, accuracy
    assert [p.shape for p in model.parameters()] == [(784, 128), (128, 10)]  # no biases
    restored = MLP(784, 10)
    restored.load_state_dict("checkpoints/model_new.npz")
    images, _ = next(iter(eval_loader))
    np.testing.assert_array_equal(restored(images).item, model(images).item)


def test_mnist_loader_is_also_an_iterator(tmp_path, pattern_digits):
    pattern_digits(tmp_path, "train", 50, np.random.default_rng(0))
    loader = nn.MNISTLoader(batch_size=20, source=str(tmp_path))
    sizes = [len(next(loader)[0]) for _ in range(3)]
    assert sizes == [20, 20, 10]
    with pytest.raises(StopIteration):
        next(loader)
    assert len(next(loader)[1]) == 20  # a new epoch


# ---- name by name ----------------------------------------------------------------------

def test_linear_use_bias_keyword_and_attribute():
    assert nn.Linear(3, 2, use_bias=False).bias is None
    assert nn.Linear(3, 2, use_bias=False).use_bias is False
    assert nn.Linear(3, 2).use_bias is True and nn.Linear(3, 2, bias=False).use_bias is False
    assert len(list(nn.Linear(3, 2, False).parameters())) == 1  # the original's 3rd argument
    with pytest.raises(TypeError, match="disagree"):
        nn.Linear(3, 2, bias=False, use_bias=True)


@pytest.mark.parametrize("args,error,message", [
    ((2.5, 3), TypeError, "in_dim must be an integer, got 2.5"),
    ((3, "4"), TypeError, "out_dim must be an integer, got '4'"),
    ((True, 3), TypeError, "in_dim must be an integer, got True"),
    ((0, 3), ValueError, "in_dim must be at least 1, got 0"),
    ((3, -2), ValueError, "out_dim must be at least 1, got -2"),
])
def test_linear_rejects_bad_sizes_clearly(args, error, message):
    with pytest.raises(error, match=message):
        nn.Linear(*args)


def test_linear_bad_size_is_a_type_error_in_pytorch_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.nn.Linear(2.5, 3)
    assert nn.Linear(np.int64(4), 2).in_dim == 4  # NumPy integers are integers


def test_functional_softmax_temperature_matches_torch():
    x = np.random.default_rng(0).normal(size=(3, 5))
    for temperature in (1, 0.5, 3.0):
        expected = np.exp(x / temperature) / np.exp(x / temperature).sum(-1, keepdims=True)
        np.testing.assert_allclose(F.softmax(Tensor(x), -1, temperature).item, expected,
                                   rtol=1e-5)
        np.testing.assert_allclose(F.softmax(Tensor(x), axis=0, temperature=temperature).item,
                                   np.exp(x / temperature) / np.exp(x / temperature).sum(0),
                                   rtol=1e-5)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(F.softmax(Tensor(x), dim=-1, temperature=2.0).item,
                               torch.softmax(torch.tensor(x) / 2.0, dim=-1).numpy(), rtol=1e-5)


def test_functional_softmax_temperature_gradient():
    x = Tensor(np.random.default_rng(1).normal(size=(2, 4)), requires_grad=True,
               dtype=np.float64)
    weights = np.random.default_rng(2).normal(size=(2, 4))
    assert gradcheck(lambda t: (F.softmax(t, temperature=0.7) * weights).sum(), [x])


def test_functional_pow_keeps_the_original_argument_names():
    np.testing.assert_allclose(F.pow(base=Tensor([2.0, 3.0]), exponent=2).item, [4.0, 9.0])


def test_weight_init_xavier_init():
    from simplegrad.nn.weight_init import xavier_init
    assert nn.xavier_init is xavier_init and nn.weight_init.xavier_init is xavier_init
    simplegrad.manual_seed(3)
    w = xavier_init(400, 600)
    assert w.shape == (400, 600) and w.dtype == np.float32
    assert abs(w.std() - np.sqrt(2 / 1000)) < 0.002 and abs(w.mean()) < 0.002
    simplegrad.manual_seed(3)
    np.testing.assert_array_equal(xavier_init(400, 600), w)


def test_adam_beta1_beta2_keywords_and_sgd_default_lr():
    def trained(make_opt):
        simplegrad.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = make_opt(model.parameters())
        for _ in range(3):
            opt.zero_grad()
            (model(Tensor(np.ones((4, 3)))) ** 2).sum().backward()
            opt.step()
        return model.weight.item

    np.testing.assert_array_equal(trained(lambda p: optim.Adam(p, beta1=0.5, beta2=0.9)),
                                  trained(lambda p: optim.Adam(p, betas=(0.5, 0.9))))
    assert optim.Adam(nn.Linear(2, 2).parameters(), beta2=0.99).betas == (0.9, 0.99)
    with pytest.raises(TypeError, match="betas must be a pair"):
        optim.Adam(nn.Linear(2, 2).parameters(), 1e-3, 0.9)
    assert optim.SGD(nn.Linear(2, 2).parameters()).lr == 1e-3


def test_save_state_dict_creates_its_folder(tmp_path):
    model = nn.Linear(2, 3)
    model.save_state_dict(tmp_path / "new" / "folder" / "model.npz")
    fresh = nn.Linear(2, 3).load_state_dict(tmp_path / "new" / "folder" / "model.npz")
    np.testing.assert_array_equal(fresh.weight.item, model.weight.item)


def test_an_original_style_optimizer_assigning_item_trains():
    class PlainSGD(optim.Optimizer):  # written as the original's own SGD was
        def step(self):
            for param in self.params:
                param.item = param.item - self.lr * param.grad

    model = nn.Linear(2, 1)
    x, y = Tensor(np.array([[1.0, 2.0], [3.0, 1.0]])), Tensor(np.array([[1.0], [2.0]]))
    opt = PlainSGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(50):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.item))
    assert losses[-1] < losses[0] / 10 and model.weight.item.dtype == np.float32


def test_frozen_parameters_are_left_alone_as_in_the_original():
    model = nn.Linear(2, 2)
    model.weight.requires_grad = False
    before = model.weight.data.copy()
    opt = optim.Adam(model.parameters())
    model(Tensor(np.ones((1, 2)))).sum().backward()
    opt.step()
    np.testing.assert_array_equal(model.weight.data, before)  # no gradient, no update
    assert model.weight.grad is None and model.bias.grad is not None
