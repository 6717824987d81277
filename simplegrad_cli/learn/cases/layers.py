"""Cases of task 8 (layers.py): Linear."""
import numpy as np

from simplegrad import Tensor, manual_seed, nn, optim
from simplegrad.nn import functional as F
from simplegrad_cli.learn.checks import case, expect, expect_close, random


# ---- task 8: Linear -----------------------------------------------------------------------
LINEAR_HINT = ("self.weight = nn.Parameter(array of shape (in_dim, out_dim), float32), "
               "self.bias = nn.Parameter(np.zeros(out_dim, np.float32)) or None")


@case(8, "parameters: weight (3, 2) and bias (2,), float32; bias=False leaves bias None",
      LINEAR_HINT)
def _linear_parameters(Linear):
    shapes = [(name, p.shape, p.dtype) for name, p in Linear(3, 2).named_parameters()]
    expect(shapes == [("weight", (3, 2), np.float32), ("bias", (2,), np.float32)],
           f"named_parameters() gives {shapes}")
    layer = Linear(3, 2, bias=False)
    expect(layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"],
           "with bias=False the layer still has a bias")


@case(8, "Xavier-uniform weights, zero bias, reproducible with manual_seed",
      "limit = sqrt(6 / (in_dim + out_dim)); simplegrad.rng.generator().uniform(-limit, limit, "
      "(in_dim, out_dim)); bias np.zeros(out_dim, np.float32)")
def _linear_init(Linear):
    manual_seed(0)
    layer = Linear(200, 100)
    limit = np.sqrt(6 / 300)
    weight = layer.weight.data
    expect(np.abs(weight).max() <= limit, f"a weight is {np.abs(weight).max():.3f}, beyond the "
                                          f"Xavier limit {limit:.3f}")
    expect(abs(weight.std() - limit / np.sqrt(3)) < 0.1 * limit,
           f"the weights' spread is {weight.std():.4f}, expected about {limit / np.sqrt(3):.4f}")
    expect(not np.any(layer.bias.data), "the bias does not start at zero")
    manual_seed(0)
    expect(np.array_equal(Linear(200, 100).weight.data, weight),
           "manual_seed(0) twice gives different weights")


def copied_into(Linear, reference):
    """A new Linear with the weights of `reference` (an nn.Linear)."""
    layer = Linear(*reference.weight.shape)
    layer.weight.data[...] = reference.weight.data
    layer.bias.data[...] = reference.bias.data
    return layer


@case(8, "forward: x @ weight + bias, for (4, 3) and (2, 4, 3) inputs", "return "
      "x @ self.weight + self.bias (a Tensor expression, so backward can follow it)")
def _linear_forward(Linear):
    reference = nn.Linear(3, 2)
    reference.bias.data[...] = [0.5, -1.0]
    layer = copied_into(Linear, reference)
    for shape in ((4, 3), (2, 4, 3)):
        x = random(*shape).astype(np.float32)
        out = layer(Tensor(x))
        expect(isinstance(out, Tensor), f"forward returned {type(out).__name__}, not a Tensor")
        expect_close(out.data, x @ reference.weight.data + reference.bias.data, "the output")


@case(8, "gradients of weight, bias and input match simplegrad's Linear",
      "build the output from Tensor operations (@ and +) so the engine records them")
def _linear_gradients(Linear):
    reference = nn.Linear(3, 2)
    layer = copied_into(Linear, reference)
    x_ours, x_theirs = Tensor(random(4, 3), requires_grad=True), Tensor(random(4, 3),
                                                                        requires_grad=True)
    (layer(x_ours) ** 2).sum().backward()
    (reference(x_theirs) ** 2).sum().backward()
    expect_close(layer.weight.grad, reference.weight.grad, "weight.grad")
    expect_close(layer.bias.grad, reference.bias.grad, "bias.grad")
    expect_close(x_ours.grad, x_theirs.grad, "the input's grad")


@case(8, "two of your layers learn to separate two blobs of points",
      "check the cases above first; the model is Linear(2, 16), relu, Linear(16, 2)")
def _linear_trains(Linear):
    manual_seed(0)
    rng = np.random.default_rng(0)
    x = Tensor(np.concatenate([rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))]))
    labels = np.repeat([0, 1], 50)
    model = nn.Sequential([Linear(2, 16), F.relu, Linear(16, 2)])
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        loss = model(x).cross_entropy_loss(labels)
        loss.backward()
        opt.step()
    expect(float(loss) < 0.1, f"the loss is {float(loss):.3f} after 150 steps, expected < 0.1")
