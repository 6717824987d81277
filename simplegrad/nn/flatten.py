"""Flatten layer: merges the non-batch dimensions, e.g. between conv and linear layers."""
from simplegrad.nn import functional as F
from simplegrad.nn.checks import check_int
from simplegrad.nn.module import Module


class Flatten(Module):
    """Merge dimensions start_dim..end_dim (default: everything after the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = check_int(start_dim, "Flatten start_dim", minimum=None)
        self.end_dim = check_int(end_dim, "Flatten end_dim", minimum=None)

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
