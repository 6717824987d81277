"""The CLI's own cost: `simplegrad train` against the bare library loop, same model and data.

    python -m benchmarks.cli_cost                     # MLP 784-128-10, 60,000 rows
    python -m benchmarks.cli_cost --epochs 5 --rounds 7 --threads 1

Both sides run end to end in a fresh subprocess, interleaved round by round: start Python,
import, read the same .npz file, build the same model (784 -> 128 -> ReLU -> 10, Adam lr 1e-3,
batch 128, shuffled with the same seed) and train. The CLI adds what a user gets from it: config
validation, progress on stderr, running loss/accuracy, gradient-norm and finiteness checks,
metrics.jsonl and a checkpoint every epoch. Each side runs 1 and `--epochs` epochs, so the
report has the whole-run ratio and the marginal cost of one epoch, where start-up and data
loading cancel out (target: at most 1.05x). Progress goes to a file, as in CI.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import workloads  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE, HIDDEN, SEED = 128, 128, 0

CONFIG = """seed: {seed}
data: {{source: {data}, val_fraction: 0, batch_size: {batch}}}
model:
  - linear: {{out: {hidden}}}
  - relu
  - linear: {{out: 10}}
loss: cross_entropy
optimizer: {{name: adam, lr: {lr}}}
train: {{epochs: {epochs}, metric: train_loss}}
"""


def bare_train(data_path, epochs):
    """The loop a library user writes by hand for the same run; returns the last loss."""
    import numpy as np

    import simplegrad
    from simplegrad import nn, optim
    from simplegrad.data import DataLoader
    from simplegrad.nn import functional as F

    simplegrad.manual_seed(SEED)
    with np.load(data_path) as arrays:
        x, y = arrays["x"], arrays["y"]
    model = nn.Sequential([nn.Linear(x.shape[1], HIDDEN), F.relu, nn.Linear(HIDDEN, 10)])
    optimizer = optim.Adam(model.parameters(), lr=workloads.LEARNING_RATE)
    loader = DataLoader(x, y, batch_size=BATCH_SIZE, shuffle=True, seed=SEED)
    loss = None
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = model(xb).cross_entropy_loss(yb)
            loss.backward()
            optimizer.step()
    return float(loss.data)


def _environment(threads):
    """The child processes' environment: this checkout first on the path, optional BLAS limit."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    if threads:
        env["SIMPLEGRAD_THREADS"] = env["OPENBLAS_NUM_THREADS"] = str(threads)
    return env


def _timed(command, env, log_path):
    """Wall seconds of one subprocess (stdout and stderr to a file); raises if it fails."""
    with open(log_path, "w") as log:
        start = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): "
                           f"{Path(log_path).read_text()[-2000:]}")
    return seconds


def measure(samples=60_000, epochs=4, rounds=5, threads=None, log=print):
    """End-to-end seconds of `simplegrad train` and of the bare loop, for 1 and for `epochs`
    epochs, interleaved; returns the times and the median per-round ratios.

    "run" compares whole runs of `epochs` epochs (start-up and data loading included);
    "epoch" compares the marginal cost of an epoch, (T(epochs) - T(1)) / (epochs - 1), in which
    start-up and loading cancel out: the training loop with its progress, metrics, checks and
    per-epoch checkpoints.
    """
    import numpy as np

    times = {(side, e): [] for side in ("cli", "bare") for e in (1, epochs)}
    with tempfile.TemporaryDirectory(prefix="simplegrad-cli-cost-") as tmp:
        tmp = Path(tmp)
        x, y = workloads.make_data(samples)
        np.savez(tmp / "data.npz", x=x, y=y)
        env = _environment(threads)
        commands = {}
        for e in (1, epochs):
            (tmp / f"run{e}.yaml").write_text(CONFIG.format(
                seed=SEED, data=tmp / "data.npz", batch=BATCH_SIZE, hidden=HIDDEN,
                lr=workloads.LEARNING_RATE, epochs=e))
            commands["cli", e] = [sys.executable, "-c",
                                  "from simplegrad_cli.main import main; main()", "train",
                                  str(tmp / f"run{e}.yaml"), "--out", str(tmp / "run"),
                                  "--overwrite"]
            commands["bare", e] = [sys.executable, "-m", "benchmarks.cli_cost", "--bare",
                                   str(tmp / "data.npz"), "--epochs", str(e)]
        keys = list(times)
        for r in range(rounds):
            shift = r % len(keys)
            for key in keys[shift:] + keys[:shift]:
                times[key].append(_timed(commands[key], env, tmp / "child.log"))
            log(f"  round {r + 1}/{rounds}: " + ", ".join(
                f"{side} {e} ep {times[side, e][-1]:.2f} s" for side, e in keys))
    run_ratios = [c / b for c, b in zip(times["cli", epochs], times["bare", epochs])]
    epoch_ratios = [(c - c1) / (b - b1) for c, c1, b, b1 in zip(
        times["cli", epochs], times["cli", 1], times["bare", epochs], times["bare", 1])]
    return {"samples": samples, "epochs": epochs, "rounds": rounds, "threads": threads,
            "seconds": {f"{side}_{e}_epochs": t for (side, e), t in times.items()},
            "run_ratio": statistics.median(run_ratios),
            "epoch_ratio": statistics.median(epoch_ratios)}


def main(argv=None):
    """Command-line entry point (also the bare-loop child process, with --bare)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.cli_cost",
                                description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=int, default=60_000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, help="BLAS threads in both child processes")
    p.add_argument("--bare", metavar="NPZ", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.bare:
        print(f"final loss {bare_train(args.bare, args.epochs):.4f}")
        return 0
    result = measure(args.samples, args.epochs, args.rounds, args.threads,
                     log=lambda msg: print(msg, file=sys.stderr, flush=True))
    sec = {k: statistics.median(v) for k, v in result["seconds"].items()}
    print(f"simplegrad train vs the bare loop (MLP 784-128-10, batch {BATCH_SIZE}, "
          f"{result['samples']:,} rows), end to end, medians of {result['rounds']} rounds:")
    for e in (1, result["epochs"]):
        print(f"  {e} epoch(s): cli {sec[f'cli_{e}_epochs']:.2f} s, "
              f"bare {sec[f'bare_{e}_epochs']:.2f} s")
    print(f"  whole {result['epochs']}-epoch run, cli/bare: {result['run_ratio']:.3f}x")
    print(f"  one more epoch (start-up and loading cancel out), cli/bare: "
          f"{result['epoch_ratio']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
