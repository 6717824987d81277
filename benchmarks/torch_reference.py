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
