"""Dropout layer: randomly zeroes activations while training (identity in eval mode)."""
from simplegrad.nn import functional as F
from simplegrad.nn.module import Module


class Dropout(Module):
    """Zero each element with probability p during training, scaling the rest by 1 / (1 - p)
    so the expected activation is unchanged; masks come from simplegrad's generator."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"
