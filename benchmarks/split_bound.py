"""How fast could a NumPy CNN step be with its batch split over threads? An upper bound.

    python -m benchmarks.split_bound                    # batch 64 and 256, 3 rounds
    python -m benchmarks.split_bound --rounds 5 --parts 2

NumPy's ufuncs run on one core and OpenBLAS's threads only help inside a matmul, while PyTorch
runs every kernel on all its threads. Here the hand-written NumPy CNN (benchmarks/
numpy_reference.py) splits each batch into `parts` slices, runs forward and backward of each
slice on its own thread (NumPy releases the GIL in its loops; BLAS held at 1 thread so its own
threads do not compete), sums the slices' gradients weighted by their share of the batch (the
same math as one whole batch) and takes one Adam step. It is timed interleaved with the
reference as it is (BLAS at its default threads) and with PyTorch, as `benchmarks.run` does.
"""
import argparse
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import backends, numpy_reference, training, workloads  # noqa: E402

NAME = "numpy-split"
PARTS = 2
prepare = numpy_reference.prepare


class SplitCNN:
    """The reference CNN with each batch split over PARTS threads: one set of weights, one
    gradient buffer set per thread, summed before a single Adam step."""

    def __init__(self, weights, lr=1e-3, parts=None):
        from threadpoolctl import ThreadpoolController
        self.replicas = [numpy_reference.CNN(weights, lr) for _ in range(parts or PARTS)]
        first = self.replicas[0]
        for other in self.replicas[1:]:
            other.w, other.b = first.w, first.b  # shared weights
        self.pool = ThreadPoolExecutor(len(self.replicas))
        self.blas = ThreadpoolController().select(user_api="blas")

    def step(self, x, labels):
        """Forward and backward of each slice on its own thread, then one Adam update."""
        n, parts = len(x), len(self.replicas)
        bounds = [n * i // parts for i in range(parts + 1)]
        with self.blas.limit(limits=1):
            futures = [self.pool.submit(r.gradients, x[a:b], labels[a:b])
                       for r, a, b in zip(self.replicas, bounds, bounds[1:])]
            losses = [f.result() for f in futures]
        shares = [(b - a) / n for a, b in zip(bounds, bounds[1:])]
        first = self.replicas[0]
        grads = first.grad_w + first.grad_b
        for g in grads:
            g *= shares[0]
        for share, other in zip(shares[1:], self.replicas[1:]):
            for g, g_other in zip(grads, other.grad_w + other.grad_b):
                g += share * g_other
        first.optimizer.step()
        return sum(share * loss for share, loss in zip(shares, losses))


def build_cnn(weights, lr=1e-3):
    """The split CNN from shared initial weights."""
    return SplitCNN(weights, lr)


def main(argv=None):
    """Time the reference, its split form and PyTorch on the CNN workloads; print a table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.split_bound", description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--parts", type=int, default=PARTS)
    p.add_argument("--steps", type=int, default=50, help="CNN steps timed per round")
    p.add_argument("--samples", type=int, default=20_000)
    args = p.parse_args(argv)
    ready, _ = backends.load(("numpy", "torch"))  # without torch: the two NumPy forms
    ready[NAME] = SimpleNamespace(NAME=NAME, prepare=prepare,
                                  build_cnn=lambda w, lr: SplitCNN(w, lr, args.parts))
    if "torch" in ready:
        from benchmarks import torch_reference
        from simplegrad_cli.run.blas_threads import get_num_threads
        torch_reference.set_threads(get_num_threads() or 1)
    data = workloads.make_data(args.samples)
    jobs = {w.name: {name: training.Job(w, module, data, workloads.LEARNING_RATE, args.steps)
                     for name, module in ready.items()} for w in workloads.CNN_WORKLOADS}
    times, _ = training.time_workloads(jobs, args.rounds, log=lambda *a: print(*a, file=sys.stderr))
    print(f"CNN step, ms (median of {args.rounds} rounds); split = {args.parts} threads, "
          "BLAS 1 thread each")
    for wname, per in times.items():
        medians = {b: statistics.median(t) * 1e3 for b, t in per.items()}
        line = "  ".join(f"{b} {m:.2f}" for b, m in medians.items())
        ratios = ""
        if "torch" in medians:
            ratios = "  " + "  ".join(f"{b}/torch {medians[b] / medians['torch']:.2f}x"
                                      for b in medians if b != "torch")
        print(f"{wname}: {line}{ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
