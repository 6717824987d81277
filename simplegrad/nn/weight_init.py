"""The original simplegrad's init helper module: `xavier_init(in_dim, out_dim)` returns a new
weight array. (`nn.init` has the in-place, PyTorch-style initialisers.)"""
import numpy as np

from simplegrad.nn import init


def xavier_init(in_dim, out_dim):
    """A new float32 (in_dim, out_dim) array drawn from N(0, 2 / (in_dim + out_dim)) (Glorot
    normal), from simplegrad's generator, so `simplegrad.manual_seed` makes it reproducible."""
    return init.xavier_normal(np.empty((int(in_dim), int(out_dim)), dtype=np.float32))


__all__ = ["xavier_init"]
