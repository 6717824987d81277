"""Train the same residual network in simplegrad and in PyTorch from the same weights, and
report how far the losses drift apart step by step (float64, so exact math agrees to ~1e-12).

    python -m benchmarks.torch_agreement [--steps 300]

The network has the shapes every residual model has (pre-norm blocks `x = x + mlp(ln(x))`, a
shared input reached directly and through a longer path): the graphs whose gradients simplegrad
computed wrongly before version 0.2. Data: 512 of the bundled digits, full batch, Adam.
"""
import argparse

import numpy as np

from simplegrad import Tensor, optim
from simplegrad.data.sources.bundled import load_builtin
from simplegrad.nn import functional as F

WIDTH, BLOCKS = 32, 3


def initial_weights(seed=0):
    """One set of float64 weights for both libraries (Linear weights as (in, out))."""
    rng = np.random.default_rng(seed)
    w = {"embed.w": rng.standard_normal((784, WIDTH)) / 28, "embed.b": np.zeros(WIDTH),
         "head.w": rng.standard_normal((WIDTH, 10)) / np.sqrt(WIDTH), "head.b": np.zeros(10)}
    for i in range(BLOCKS):
        w[f"{i}.gamma"], w[f"{i}.beta"] = np.ones(WIDTH), np.zeros(WIDTH)
        w[f"{i}.w1"] = rng.standard_normal((WIDTH, 2 * WIDTH)) / np.sqrt(WIDTH)
        w[f"{i}.w2"] = rng.standard_normal((2 * WIDTH, WIDTH)) / np.sqrt(2 * WIDTH)
    return w


def forward(p, x, layer_norm, gelu):
    """The network, written once for both libraries' tensors."""
    h = x @ p["embed.w"] + p["embed.b"]
    for i in range(BLOCKS):
        h = h + gelu(layer_norm(h, (WIDTH,), p[f"{i}.gamma"], p[f"{i}.beta"]) @ p[f"{i}.w1"]) \
            @ p[f"{i}.w2"]
    return h @ p["head.w"] + p["head.b"]


def simplegrad_losses(x, y, steps, lr):
    params = {k: Tensor(v, requires_grad=True, dtype=np.float64)
              for k, v in initial_weights().items()}
    opt = optim.Adam(list(params.values()), lr=lr)
    inputs, losses = Tensor(x, dtype=np.float64), []
    for _ in range(steps):
        opt.zero_grad()
        loss = forward(params, inputs, F.layer_norm, lambda t: t.gelu()).cross_entropy_loss(y)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return np.array(losses)


def torch_losses(torch, x, y, steps, lr):
    params = {k: torch.tensor(v, requires_grad=True) for k, v in initial_weights().items()}
    opt = torch.optim.Adam(list(params.values()), lr=lr)
    inputs, labels, losses = torch.tensor(x), torch.tensor(y), []
    for _ in range(steps):
        opt.zero_grad()
        logits = forward(params, inputs, torch.nn.functional.layer_norm,
                         torch.nn.functional.gelu)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=3e-3)
    args = parser.parse_args()
    import torch
    digits = load_builtin("digits", "train")
    x, y = digits.x[:512].astype(np.float64), digits.y[:512].astype(np.int64)
    ours = simplegrad_losses(x, y, args.steps, args.lr)
    theirs = torch_losses(torch, x, y, args.steps, args.lr)
    gap = np.abs(ours - theirs)
    first_off = int(np.argmax(gap > 1e-9)) if (gap > 1e-9).any() else None
    print(f"steps {args.steps}, lr {args.lr}: loss at step 0: simplegrad {ours[0]:.10f}, "
          f"PyTorch {theirs[0]:.10f}")
    for step in sorted({1, 10, 100, args.steps - 1} & set(range(args.steps))):
        print(f"  step {step:4d}: simplegrad {ours[step]:.6f}  PyTorch {theirs[step]:.6f}  "
              f"|diff| {gap[step]:.2e}")
    print(f"largest |diff| over all steps: {gap.max():.2e}; first step off by more than 1e-9: "
          f"{first_off}")


if __name__ == "__main__":
    main()
