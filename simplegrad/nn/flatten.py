"""Flatten layer: merges the non-batch dimensions, e.g. between conv and linear layers."""
from simplegrad.nn import functional as F
from simplegrad.nn.module import Module


class Flatten(Module):
    """Merge dimensions start_dim..end_dim (default: everything after the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
