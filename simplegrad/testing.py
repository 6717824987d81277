"""Shared test cases: one table of op cases, used by the op tests and `simplegrad gradcheck`.

Each case is a name, a function of simplegrad tensors, the float64 inputs it is checked at
(integer arrays are constants such as labels), how those inputs were drawn (so tests can draw
other shapes the same way) and, when PyTorch has the same op, `torch(torch, *tensors)`: the
reference the tests compare with. `SAME` means the simplegrad function itself also runs on
torch tensors. Inputs keep away from kinks (|x| >= 0.2 for abs/relu, distinct values for
max/maximum, positive values for log/sqrt) so central differences are meaningful.
NumPy only: PyTorch is passed in by the caller, never imported here.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

SAME = "same"  # the simplegrad function is also valid PyTorch code


@dataclass(frozen=True)
class OpCase:
    """One checked op: `fn(*tensors)` at `inputs`; `torch(torch, *tensors)` is PyTorch's form."""

    name: str
    fn: Callable
    inputs: tuple
    torch: Optional[Callable] = None
    domain: str = "normal"  # how inputs are drawn: "normal", "away" (|x| >= 0.2), "positive"

    def torch_fn(self, torch):
        """The PyTorch reference as a function of torch tensors (None when there is none)."""
        if self.torch is None:
            return None
        if self.torch == SAME:
            return self.fn
        return lambda *tensors: self.torch(torch, *tensors)


def draw(domain, shape, seed=0):
    """Float64 inputs of `shape` from a domain: "normal", "away" from 0, or "positive"."""
    rng = np.random.default_rng(seed)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away":
        return rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    return rng.standard_normal(shape)


def _apart(a, b):
    """`a` moved so that |a - b| >= 0.3 everywhere: no ties for maximum/minimum."""
    return a + np.sign(a - b) * 0.3


def _setitem(x, v):
    """Write into a copy, then use it: valid simplegrad and PyTorch code alike."""
    y = x * 1.0
    y[1] = v
    return y * y


def _ops():
    """The cases of the Tensor methods, operators and module-level functions."""
    import simplegrad as sg

    a, b, m = draw("normal", (3, 4)), draw("normal", (3, 4), 1), draw("normal", (2, 3, 4), 2)
    pos, away = draw("positive", (3, 4)), draw("away", (3, 4))
    mask = a > 0
    return [
        # unary elementwise
        OpCase("neg", lambda x: -x, (a,), SAME),
        OpCase("exp", lambda x: x.exp(), (a,), SAME),
        OpCase("log", lambda x: x.log(), (pos,), SAME, "positive"),
        OpCase("sqrt", lambda x: x.sqrt(), (pos,), SAME, "positive"),
        OpCase("abs", lambda x: x.abs(), (away,), SAME, "away"),
        OpCase("relu", lambda x: x.relu(), (away,), SAME, "away"),
        OpCase("leaky_relu", lambda x: x.leaky_relu(0.1), (away,),
               lambda t, x: t.nn.functional.leaky_relu(x, 0.1), "away"),
        OpCase("sigmoid", lambda x: x.sigmoid(), (a,), SAME),
        OpCase("tanh", lambda x: x.tanh(), (a,), SAME),
        OpCase("gelu", lambda x: x.gelu(), (a,), lambda t, x: t.nn.functional.gelu(x)),
        OpCase("gelu_tanh", lambda x: x.gelu(approximate="tanh"), (a,),
               lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
        OpCase("softplus", lambda x: x.softplus(), (a * 4,),
               lambda t, x: t.nn.functional.softplus(x)),
        OpCase("softplus_beta", lambda x: x.softplus(beta=2.0, threshold=3.0), (away * 2,),
               lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=3.0), "away"),
        OpCase("clip", lambda x: x.clip(-0.5, 0.5),
               (np.array([[-1.0, -0.3, 0.2, 0.9]] * 3) + draw("normal", (3, 4)) * 0.05,),
               lambda t, x: x.clamp(-0.5, 0.5)),
        OpCase("pow", lambda x: x ** 2.5, (pos,), SAME, "positive"),
        OpCase("pow_int", lambda x: x ** 3, (a,), SAME),
        OpCase("rpow", lambda x: 2.0 ** x, (a,), SAME),
        OpCase("scalar_ops", lambda x: (3.0 - x) / 2.0 + 1.0 * x - 4.0 / (x + 5.0), (pos,), SAME,
               "positive"),
        # binary elementwise (the second input broadcasts)
        OpCase("add", lambda x, y: x + y, (a, draw("normal", 4, 1)), SAME),
        OpCase("sub", lambda x, y: x - y, (a, b), SAME),
        OpCase("mul", lambda x, y: x * y, (a, b), SAME),
        OpCase("div", lambda x, y: x / y, (a, pos), SAME),
        OpCase("pow_tensor", lambda x, y: x ** y, (pos, draw("positive", (3, 4), 1)), SAME,
               "positive"),
        OpCase("maximum", lambda x, y: x.maximum(y), (_apart(a, b), b),
               lambda t, x, y: t.maximum(x, y)),
        OpCase("minimum", lambda x, y: x.minimum(y), (_apart(a, b), b),
               lambda t, x, y: t.minimum(x, y)),
        OpCase("where", lambda x, y: sg.where(mask, x, y), (a, draw("normal", 4, 1)),
               lambda t, x, y: t.where(t.tensor(mask), x, y)),
        # products
        OpCase("matmul", lambda x, y: x @ y, (a, draw("normal", (4, 2), 2)), SAME),
        OpCase("matmul_batched", lambda x, y: x @ y, (m, draw("normal", (2, 4, 5), 3)), SAME),
        OpCase("dot", lambda x, y: x.dot(y), (a[0], b[0]), lambda t, x, y: x @ y),
        # reductions
        OpCase("sum", lambda x: x.sum(axis=1), (a,), lambda t, x: x.sum(dim=1)),
        OpCase("mean", lambda x: x.mean(axis=0, keepdims=True), (a,),
               lambda t, x: x.mean(dim=0, keepdim=True)),
        OpCase("max", lambda x: x.max(axis=1), (a,), lambda t, x: x.amax(dim=1)),
        OpCase("min", lambda x: x.min(), (a,), lambda t, x: x.amin()),
        OpCase("var", lambda x: x.var(axis=1), (a,), lambda t, x: x.var(dim=1, correction=0)),
        OpCase("logsumexp", lambda x: x.logsumexp(axis=1), (a,),
               lambda t, x: x.logsumexp(dim=1)),
        # movement
        OpCase("reshape", lambda x: x.reshape(2, 6), (a,), SAME),
        OpCase("reshape_tuple", lambda x: x.reshape((6, -1)), (m,), SAME),
        OpCase("transpose", lambda x: x.transpose(), (m,), lambda t, x: x.permute(2, 1, 0)),
        OpCase("transpose_swap", lambda x: x.transpose(0, 2), (m,), SAME),
        OpCase("transpose_axes", lambda x: x.transpose((1, 2, 0)), (m,),
               lambda t, x: x.permute(1, 2, 0)),
        OpCase("permute", lambda x: x.permute(2, 0, 1), (m,), SAME),
        OpCase("T", lambda x: x.T, (a,), lambda t, x: x.permute(1, 0)),
        OpCase("flatten", lambda x: x.flatten(), (m,), SAME),
        OpCase("flatten_1", lambda x: x.flatten(1), (m,), SAME),
        OpCase("squeeze", lambda x: x.squeeze(0), (draw("normal", (1, 4)),), SAME),
        OpCase("unsqueeze", lambda x: x.unsqueeze(1), (a,), SAME),
        OpCase("getitem", lambda x: x[np.array([0, 2, 0]), 1:3], (a,),
               lambda t, x: x[[0, 2, 0], 1:3]),
        OpCase("getitem_slices", lambda x: x[:, 1:, ::2], (m,), SAME),
        OpCase("getitem_negative", lambda x: x[-1, :, -2], (m,), SAME),
        OpCase("getitem_none", lambda x: x[..., None, 1], (m,), SAME),
        OpCase("getitem_pairs", lambda x: x[np.array([0, 1, 1]), :, np.array([3, 3, 0])], (m,),
               lambda t, x: x[[0, 1, 1], :, [3, 3, 0]]),
        OpCase("getitem_list", lambda x: x[:, [2, 2, 0]], (m,), SAME),
        OpCase("getitem_mask", lambda x: x[mask] * 2, (a,), lambda t, x: x[t.tensor(mask)] * 2),
        OpCase("setitem", _setitem, (a, draw("normal", 4, 4)), SAME),
        OpCase("cat", lambda x, y: sg.cat([x, y], axis=1), (a, b),
               lambda t, x, y: t.cat([x, y], dim=1)),
        OpCase("stack", lambda x, y: sg.stack([x, y], axis=0), (a, b),
               lambda t, x, y: t.stack([x, y], dim=0)),
    ]


def _nn_ops():
    """The cases of softmax, the losses and the functional forms of the layers."""
    from simplegrad.nn import functional as F

    a, b = draw("normal", (3, 4)), draw("normal", (3, 4), 1)
    labels = np.array([0, 2, 1], dtype=np.int64)
    soft = np.abs(b) / np.abs(b).sum(axis=1, keepdims=True)
    images = draw("normal", (2, 2, 5, 5))
    positive = draw("positive", 4)
    binary = (b > 0).astype(np.float64)
    indices = np.array([[0, 2], [2, 1]])
    return [
        OpCase("softmax", lambda x: x.softmax(axis=-1), (a,), lambda t, x: x.softmax(dim=-1)),
        OpCase("softmax_temperature", lambda x: x.softmax(axis=0, temperature=2.5), (a,),
               lambda t, x: (x / 2.5).softmax(dim=0)),
        OpCase("log_softmax", lambda x: x.log_softmax(axis=-1), (a,),
               lambda t, x: x.log_softmax(dim=-1)),
        OpCase("cross_entropy", lambda x: x.cross_entropy_loss(labels), (a,),
               lambda t, x: t.nn.functional.cross_entropy(x, t.tensor(labels))),
        OpCase("cross_entropy_soft", lambda x, y: x.cross_entropy_loss(y), (a, soft),
               lambda t, x, y: t.nn.functional.cross_entropy(x, y)),
        OpCase("mse_loss", lambda x, y: F.mse_loss(x, y), (a, b),
               lambda t, x, y: t.nn.functional.mse_loss(x, y)),
        OpCase("bce_with_logits", lambda x: F.binary_cross_entropy_with_logits(x, binary), (a,),
               lambda t, x: t.nn.functional.binary_cross_entropy_with_logits(
                   x, t.tensor(binary))),
        OpCase("linear", lambda x, w, c: F.linear(x, w, c),
               (a, draw("normal", (4, 2), 2), draw("normal", 2, 3)),
               lambda t, x, w, c: x @ w + c),
        OpCase("conv2d", lambda x, w, c: F.conv2d(x, w, c, stride=1, padding=1),
               (images, draw("normal", (3, 2, 3, 3), 5), draw("normal", 3, 6)),
               lambda t, x, w, c: t.nn.functional.conv2d(x, w, c, stride=1, padding=1)),
        OpCase("conv2d_stride2", lambda x, w: F.conv2d(x, w, None, stride=2, padding=0),
               (images, draw("normal", (3, 2, 3, 3), 5)),
               lambda t, x, w: t.nn.functional.conv2d(x, w, None, stride=2)),
        OpCase("max_pool2d", lambda x: F.max_pool2d(x, 2), (images,),
               lambda t, x: t.nn.functional.max_pool2d(x, 2)),
        OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 2, padding=1), (images,),
               lambda t, x: t.nn.functional.avg_pool2d(x, 2, padding=1)),
        OpCase("layer_norm", lambda x, w, c: F.layer_norm(x, 4, w, c),
               (a, positive, draw("normal", 4, 7)),
               lambda t, x, w, c: t.nn.functional.layer_norm(x, (4,), w, c)),
        OpCase("batch_norm", lambda x, w, c: F.batch_norm(x, None, None, w, c, training=True),
               (draw("normal", (5, 3), 8), draw("positive", 3), draw("normal", 3, 9)),
               lambda t, x, w, c: t.nn.functional.batch_norm(x, None, None, w, c,
                                                             training=True)),
        OpCase("embedding", lambda w: F.embedding(indices, w), (draw("normal", (3, 4)),),
               lambda t, w: t.nn.functional.embedding(t.tensor(indices), w)),
    ]


def op_cases():
    """Every op case: Tensor methods and operators, then softmax, losses and functional forms."""
    return _ops() + _nn_ops()
