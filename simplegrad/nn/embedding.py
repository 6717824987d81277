"""Embedding layer: a trainable lookup table from integer ids to vectors."""
import numpy as np

from simplegrad.nn import functional as F
from simplegrad.nn import init
from simplegrad.nn.checks import check_int
from simplegrad.nn.module import Module, Parameter


class Embedding(Module):
    """`weight[indices]` for a (num_embeddings, embedding_dim) table initialised N(0, 1), as
    PyTorch. Repeated ids accumulate their gradients."""

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings = check_int(num_embeddings, "Embedding num_embeddings")
        self.embedding_dim = check_int(embedding_dim, "Embedding embedding_dim")
        shape = (self.num_embeddings, self.embedding_dim)
        self.weight = init.normal(Parameter(np.empty(shape, dtype=np.float32)))

    def forward(self, indices):
        return F.embedding(indices, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
