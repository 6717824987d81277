"""The benchmark MLP and CNN in PyTorch CPU eager mode (optional: only when torch is installed).

Idiomatic PyTorch: nn.Sequential of nn.Linear/nn.ReLU (or Conv2d/MaxPool2d), F.cross_entropy,
torch.optim.Adam with its defaults (on CPU that is the single-tensor for-loop implementation).
Initial weights come from benchmarks.workloads so every backend starts from the same point.
"""
NAME = "torch"


def unavailable():
    """None when PyTorch can be imported, else the reason it cannot."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return f"PyTorch not installed ({exc})"
    return None


def set_threads(num_threads):
    """Use as many intra-op threads as NumPy's BLAS, so both use the same cores; returns it."""
    import torch
    torch.set_num_threads(int(num_threads))
    return torch.get_num_threads()


def prepare(x, y):
    """Backend-native dataset: tensors sharing memory with the NumPy arrays."""
    import torch
    return torch.from_numpy(x), torch.from_numpy(y)


def _load(layer, weight, bias):
    """Copy NumPy initial weights into a torch layer (Linear weights are stored (out, in))."""
    import torch
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight.T if weight.ndim == 2 else weight))
        layer.bias.copy_(torch.from_numpy(bias))


class Trainer:
    """A torch model plus its Adam optimizer, stepping on one batch at a time."""

    def __init__(self, model, lr):
        import torch
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.cross_entropy = torch.nn.functional.cross_entropy

    def step(self, x, labels):
        """zero_grad, forward, loss, backward, Adam step; returns the loss as a float."""
        self.optimizer.zero_grad()
        loss = self.cross_entropy(self.model(x), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def build_mlp(weights, lr=1e-3):
    """784 -> hidden... -> 10 with ReLU between the Linear layers."""
    from torch import nn
    layers = []
    for w, b in weights:
        linear = nn.Linear(*w.shape)
        _load(linear, w, b)
        layers += [linear, nn.ReLU()]
    return Trainer(nn.Sequential(*layers[:-1]), lr)


def build_cnn(weights, lr=1e-3):
    """conv3x3(1->8, pad 1) relu pool2, conv3x3(8->16, pad 1) relu pool2, flatten, linear."""
    from torch import nn
    (w1, b1), (w2, b2), (wf, bf) = weights
    conv1 = nn.Conv2d(w1.shape[1], w1.shape[0], 3, padding=1)
    conv2 = nn.Conv2d(w2.shape[1], w2.shape[0], 3, padding=1)
    linear = nn.Linear(*wf.shape)
    for layer, w, b in ((conv1, w1, b1), (conv2, w2, b2), (linear, wf, bf)):
        _load(layer, w, b)
    model = nn.Sequential(conv1, nn.ReLU(), nn.MaxPool2d(2), conv2, nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), linear)
    return Trainer(model, lr)


def adam_implementation():
    """Which Adam code path torch picks for CPU float32 parameters by default (for the record)."""
    try:
        from torch.optim.optimizer import _default_to_fused_or_foreach
        import torch
        p = torch.zeros(1, requires_grad=True)
        fused, foreach = _default_to_fused_or_foreach([p], differentiable=False, use_fused=False)
    except (ImportError, TypeError):  # private helper: may move between torch versions
        return "default"
    return "fused" if fused else "foreach" if foreach else "for-loop (single tensor)"


class _TokenTrainer(Trainer):
    """Trainer for a language model: logits (batch, length, vocab) against next tokens."""

    def step(self, x, labels):
        self.optimizer.zero_grad()
        logits = self.model(x)
        loss = self.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        loss.backward()
        self.optimizer.step()
        return loss.item()


def build_gpt(weights, lr=1e-3, workload=None):
    """The small GPT of benchmarks.workloads in idiomatic PyTorch (nn.Linear, nn.LayerNorm,
    F.scaled_dot_product_attention with is_causal, nn.GELU), from the shared weights."""
    import torch
    from torch import nn
    F = torch.nn.functional

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
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            mixed = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(mixed.transpose(1, 2).reshape(batch, length, width))
            return x + self.out(F.gelu(self.fc(self.norm2(x))))

    class GPT(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.tokens = nn.Embedding(w.vocab, w.width)
            self.positions = nn.Parameter(torch.zeros(w.context, w.width))
            self.blocks = nn.ModuleList([Block(w.width, w.heads) for _ in range(w.layers)])
            self.norm, self.head = nn.LayerNorm(w.width), nn.Linear(w.width, w.vocab)

        def forward(self, tokens):
            x = self.tokens(tokens) + self.positions
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    model = GPT(workload)
    state = {}
    for name, value in weights.items():
        key = {"tokens": "tokens.weight"}.get(name, name)
        key = f"blocks.{key}" if key[0].isdigit() else key
        is_linear = key.endswith(".weight") and value.ndim == 2 and key != "tokens.weight"
        state[key] = torch.from_numpy(value.T.copy() if is_linear else value.copy())
    model.load_state_dict(state)
    return _TokenTrainer(model, lr)
