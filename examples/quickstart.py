"""Quickstart: the original simplegrad README example, unchanged but for a fixed seed.

A two-layer network learns to separate two Gaussian blobs with Adam and cross-entropy on
one-hot targets. Run: python examples/quickstart.py
"""
import numpy as np

import simplegrad
from simplegrad import Tensor, nn, optim
from simplegrad.nn import functional as F

simplegrad.manual_seed(0)  # the same initial weights on every run
rng = np.random.default_rng(0)
n = 100
# Toy 2-class data: two blobs, at (-2, -2) and (2, 2).
X = Tensor(np.concatenate([rng.normal(-2, 1, (n, 2)), rng.normal(2, 1, (n, 2))]))
labels = np.array([0] * n + [1] * n)
y = Tensor(np.eye(2)[labels])  # one-hot rows, as in the original

model = nn.Sequential([nn.Linear(2, 16), F.relu, nn.Linear(16, 2)])
opt = optim.Adam(model.parameters(), lr=1e-2)
for _ in range(200):
    opt.zero_grad()
    logits = model(X)
    loss = logits.cross_entropy_loss(y)
    loss.backward()
    opt.step()
print("final loss:", loss.item)
