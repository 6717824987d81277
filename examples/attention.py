"""A tiny Transformer encoder that learns to sort digit sequences, from simplegrad primitives.

Scaled dot-product attention and the residual connections are written out with `simplegrad`
tensors; LayerNorm, the GELU MLP and the embeddings are `nn` layers (docs/derivations.md §6 builds
LayerNorm from mean, var and sqrt): evidence that the primitives compose into the models people
actually build. Input: 8 random digits; target: the same digits sorted.

    python examples/attention.py            # ~50 s on two cores: 100% of held-out digits
                                            # in place, all 1,000 held-out sequences sorted
    python examples/attention.py --quick    # ~20 s: 5 digits, 250 steps (seeded: the same
                                            # result every run, > 95% of digits in place)
"""
import argparse
import math
import time

import numpy as np

import simplegrad as sg
from simplegrad import Tensor, nn, optim


class SelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention: softmax(QK^T / sqrt(d)) V per head."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        batch, length, dim = x.shape
        qkv = self.qkv(x).reshape(batch, length, 3, self.heads, self.head_dim)
        qkv = qkv.transpose(2, 0, 3, 1, 4)  # (3, batch, heads, length, head_dim)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(self.head_dim))
        mixed = scores.softmax(axis=-1) @ v  # (batch, heads, length, head_dim)
        return self.out(mixed.transpose(0, 2, 1, 3).reshape(batch, length, dim))


class Block(nn.Module):
    """Pre-norm Transformer block: x + attention(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attention = nn.LayerNorm(dim), SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Sorter(nn.Module):
    """Token + position embeddings, a few blocks, and a per-position digit classifier."""

    def __init__(self, length, digits=10, dim=48, heads=4, depth=2):
        super().__init__()
        self.tokens = nn.Embedding(digits, dim)
        self.positions = nn.Parameter(sg.rng.generator().normal(0, 0.02, (length, dim))
                                      .astype(np.float32))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, digits)

    def forward(self, sequences):
        x = self.tokens(sequences) + self.positions
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def make_batch(rng, batch, length, digits=10):
    """Random digit sequences and their sorted versions."""
    x = rng.integers(0, digits, size=(batch, length))
    return x, np.sort(x, axis=1)


QUICK = {"steps": 250, "batch": 32, "length": 5}  # --quick: a fraction of the time


def main(steps=1500, batch=64, length=8, seed=0, log_every=50):
    """Train a Sorter on `steps` batches of random sequences, printing progress from the first
    step; returns (held-out token accuracy, whole sequences sorted)."""
    sg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Sorter(length)
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    print(f"sorting {length} digits: {steps} steps of {batch} sequences, "
          f"{sum(p.size for p in model.parameters()):,} parameters", flush=True)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        x, y = make_batch(rng, batch, length)
        opt.zero_grad()
        loss = model(Tensor(x)).cross_entropy_loss(y)
        loss.backward()
        opt.step()
        schedule.step()
        if step == 1 or step % log_every == 0 or step == steps:
            print(f"step {step:5d}  loss {float(loss):.4f}  ({time.perf_counter() - start:.1f}s)",
                  flush=True)
    model.eval()
    x, y = make_batch(np.random.default_rng(seed + 1), 1000, length)
    with sg.no_grad():
        predicted = model(Tensor(x)).argmax(axis=-1).data
    token_accuracy = float((predicted == y).mean())
    sequence_accuracy = float((predicted == y).all(axis=1).mean())
    print(f"held-out token accuracy {token_accuracy:.3f}, "
          f"whole sequences sorted {sequence_accuracy:.3f}")
    return token_accuracy, sequence_accuracy


def settings(argv=None):
    """main()'s keyword arguments from the command line (--quick: QUICK's, unless given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: " +
                        ", ".join(f"{key} {value}" for key, value in QUICK.items()))
    for name in ("steps", "batch", "length", "seed"):
        parser.add_argument(f"--{name}", type=int)
    args = vars(parser.parse_args(argv))
    chosen = QUICK if args.pop("quick") else {}
    return {**chosen, **{key: value for key, value in args.items() if value is not None}}


if __name__ == "__main__":
    main(**settings())
