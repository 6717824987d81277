"""Backprop by hand: a tiny two-layer network, differentiated with NumPy one step at a time,
then checked against simplegrad's `.grad`.

Each backward line uses a rule derived in docs/derivations.md (section in brackets). Run:
python examples/backprop_by_hand.py
"""
import numpy as np

from simplegrad import Tensor
from simplegrad.nn import functional as F


def by_hand(x, labels, W1, b1, W2, b2):
    """The loss and every gradient, computed with NumPy alone."""
    n = len(x)
    # forward
    z1 = x @ W1 + b1                                   # (4, 3)
    h = np.maximum(z1, 0)                              # (4, 3)
    logits = h @ W2 + b2                               # (4, 2)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)                  # softmax, row by row
    loss = -np.log(p[np.arange(n), labels]).mean()
    # backward, from the loss down
    g_logits = (p - np.eye(2)[labels]) / n             # softmax + cross-entropy [5]
    g_W2 = h.T @ g_logits                              # linear [2]
    g_b2 = g_logits.sum(axis=0)                        # the bias was added to every row [2]
    g_h = g_logits @ W2.T                              # linear [2]
    g_z1 = g_h * (z1 > 0)                              # relu [3]
    g_W1 = x.T @ g_z1
    g_b1 = g_z1.sum(axis=0)
    return loss, {"logits": g_logits, "W2": g_W2, "b2": g_b2, "h": g_h, "W1": g_W1, "b1": g_b1}


def by_simplegrad(x, labels, W1, b1, W2, b2):
    """The same loss with simplegrad; retain_grad() keeps two intermediate gradients."""
    params = {name: Tensor(value, requires_grad=True, dtype=np.float64)
              for name, value in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))}
    h = F.linear(Tensor(x, dtype=np.float64), params["W1"], params["b1"]).relu()
    logits = F.linear(h, params["W2"], params["b2"])
    h.retain_grad()
    logits.retain_grad()
    loss = logits.cross_entropy_loss(labels)
    loss.backward()
    grads = {name: p.grad for name, p in params.items()}
    return float(loss), {**grads, "logits": logits.grad, "h": h.grad}


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2))                    # 4 points with 2 features
    labels = np.array([0, 1, 1, 0])
    weights = (rng.standard_normal((2, 3)), rng.standard_normal(3),
               rng.standard_normal((3, 2)), rng.standard_normal(2))
    loss, mine = by_hand(x, labels, *weights)
    their_loss, theirs = by_simplegrad(x, labels, *weights)
    print(f"loss by hand {loss:.6f}, by simplegrad {their_loss:.6f}")
    for name, grad in mine.items():
        same = np.allclose(grad, theirs[name])
        print(f"dL/d{name:<7} shape {str(grad.shape):7} matches simplegrad: {same}")
    return all(np.allclose(grad, theirs[name]) for name, grad in mine.items())


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
