"""The benchmark MLP and CNN written the way a simplegrad user would write them.

nn.Sequential of nn.Linear and F.relu (or Conv2d/MaxPool2d/Flatten), optim.Adam, and the fused
`cross_entropy_loss` with integer labels; the training step is the usual
zero_grad / forward / loss / backward / step. Initial weights come from benchmarks.workloads.
"""
import numpy as np

NAME = "simplegrad"


def unavailable():
    """None when simplegrad's Tensor, nn and optim are importable, else the reason."""
    try:
        from simplegrad import Tensor, nn, optim  # noqa: F401
        nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.Flatten, optim.Adam  # noqa: B018
    except Exception as exc:  # a half-written checkout: report it, keep the other backends
        return f"simplegrad not usable yet ({type(exc).__name__}: {exc})"
    return None


def prepare(x, y):
    """Backend-native dataset: simplegrad takes NumPy arrays (wrapped per batch in step)."""
    return x, y


def _load(layer, weight, bias):
    """Copy NumPy initial weights into a layer's parameters in place."""
    np.copyto(layer.weight.data, weight)
    np.copyto(layer.bias.data, bias)


class Trainer:
    """A simplegrad model plus its Adam optimizer, stepping on one batch at a time."""

    def __init__(self, model, lr):
        from simplegrad import Tensor, optim
        self.model, self.tensor = model, Tensor
        self.optimizer = optim.Adam(model.parameters(), lr=lr)

    def step(self, x, labels):
        """zero_grad, forward, fused softmax-cross-entropy, backward, Adam step; returns loss."""
        self.optimizer.zero_grad()
        loss = self.model(self.tensor(x)).cross_entropy_loss(labels)
        loss.backward()
        self.optimizer.step()
        return float(loss.data)


def build_mlp(weights, lr=1e-3):
    """784 -> hidden... -> 10 with F.relu between the Linear layers."""
    from simplegrad import nn
    from simplegrad.nn import functional as F
    layers = []
    for w, b in weights:
        linear = nn.Linear(*w.shape)
        _load(linear, w, b)
        layers += [linear, F.relu]
    return Trainer(nn.Sequential(layers[:-1]), lr)


def build_cnn(weights, lr=1e-3):
    """conv3x3(1->8, pad 1) relu pool2, conv3x3(8->16, pad 1) relu pool2, flatten, linear."""
    from simplegrad import nn
    from simplegrad.nn import functional as F
    (w1, b1), (w2, b2), (wf, bf) = weights
    conv1 = nn.Conv2d(w1.shape[1], w1.shape[0], 3, padding=1)
    conv2 = nn.Conv2d(w2.shape[1], w2.shape[0], 3, padding=1)
    linear = nn.Linear(*wf.shape)
    for layer, w, b in ((conv1, w1, b1), (conv2, w2, b2), (linear, wf, bf)):
        _load(layer, w, b)
    model = nn.Sequential([conv1, F.relu, nn.MaxPool2d(2), conv2, F.relu, nn.MaxPool2d(2),
                           nn.Flatten(), linear])
    return Trainer(model, lr)


def conv2d(x, weight, bias):
    """F.conv2d with padding 1 (used by the conv micro-benchmark)."""
    from simplegrad.nn import functional as F
    return F.conv2d(x, weight, bias, padding=1)


def build_gpt(weights, lr=1e-3, workload=None):
    """The small GPT of benchmarks.workloads, written as a simplegrad user would: nn.Embedding,
    nn.LayerNorm, nn.Linear, F.scaled_dot_product_attention(is_causal=True), exact GELU."""
    from simplegrad import nn
    from simplegrad.nn import functional as F

    class Block(nn.Module):
        def __init__(self, width, heads):
            super().__init__()
            self.heads = heads
            self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

        def forward(self, x):
            batch, length, width = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(batch, length, 3, self.heads, -1)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (batch, heads, length, head width)
            mixed = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(mixed.transpose(1, 2).reshape(batch, length, width))
            return x + self.out(F.gelu(self.fc(self.norm2(x))))

    class GPT(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.tokens = nn.Embedding(w.vocab, w.width)
            self.positions = nn.Parameter(np.zeros((w.context, w.width), np.float32))
            self.blocks = nn.ModuleList([Block(w.width, w.heads) for _ in range(w.layers)])
            self.norm, self.head = nn.LayerNorm(w.width), nn.Linear(w.width, w.vocab)

        def forward(self, tokens):
            x = self.tokens(tokens) + self.positions
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    model = GPT(workload)
    model.load_state_dict({_simplegrad_name(name): value for name, value in weights.items()})
    return Trainer(model, lr)


def _simplegrad_name(name):
    """The state_dict key of a benchmarks.workloads.gpt_weights name."""
    renames = {"tokens": "tokens.weight", "positions": "positions"}
    if name in renames:
        return renames[name]
    return f"blocks.{name}" if name[0].isdigit() else name
