"""Is coarse-grained parallelism the way past the GIL? The benchmark CNN's training step three ways,
each in a fresh process of its own (the order of thread counts in one process changes how
glibc's arenas serve the threads), interleaved over rounds; the fastest of each is printed:

    python -m benchmarks.data_parallel_bound --batch 64 --rounds 3

- `1 thread`: one batch, simplegrad at one thread;
- `2 threads, per kernel`: one batch, simplegrad's own pool cutting each kernel in chunks;
- `2 threads, batch halves`: each half of the batch through a whole replica of the model on a
  thread of its own (the replicas share the weights; the pool at one thread so each half runs
  its kernels whole), the two halves' gradients added, one Adam step: the split that took the
  hand-written NumPy reference to PyTorch's speed.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time

import simplegrad
from benchmarks import simplegrad_models, workloads
from simplegrad import Tensor


def _halves(model, replica, pool):
    """A training step of `model` whose batch halves run on two threads (`replica` shares its
    weights and takes the second half)."""
    params, copies = list(model.model.parameters()), list(replica.model.parameters())
    for p, q in zip(params, copies):
        q.data = p.data

    def half(trainer, x, y):
        for p in trainer.model.parameters():
            p.grad = None
        loss = trainer.model(Tensor(x)).cross_entropy_loss(y)
        (loss * 0.5).backward()  # the mean over the whole batch: each half weighs 1/2
        return float(loss.data)

    def step(x, y):
        h = len(x) // 2
        second = pool.submit(half, replica, x[h:], y[h:])
        first = half(model, x[:h], y[:h])
        second = second.result()
        for p, q in zip(params, copies):
            p.grad += q.grad
        model.optimizer.step()
        return (first + second) / 2
    return step


def time_step(step, x, y, batch, rounds=7, steps=20):
    """Fastest mean step time (ms) of `rounds` runs of `steps` steps, after 5 warm-up steps."""
    for i in range(5):
        step(x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(steps):
            j = i % (len(x) // batch)
            step(x[j * batch:(j + 1) * batch], y[j * batch:(j + 1) * batch])
        best = min(best, (time.perf_counter() - start) / steps * 1e3)
    return best


MODES = {"one": ("1 thread", 1), "kernels": ("2 threads, per kernel", 2),
         "halves": ("2 threads, batch halves", 1)}


def measure(batch, mode):
    """ms per step of `mode` (a key of MODES), in this process."""
    workload = next(w for w in workloads.CNN_WORKLOADS if w.batch_size == batch)
    x, y = workloads.make_data(batch * 40)
    x = workloads.as_images(x)
    weights = workloads.cnn_weights(workload)
    simplegrad.set_num_threads(MODES[mode][1])
    if mode != "halves":
        return time_step(simplegrad_models.build_cnn(weights).step, x, y, batch)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        step = _halves(simplegrad_models.build_cnn(weights), simplegrad_models.build_cnn(weights),
                       pool)
        return time_step(step, x, y, batch)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.data_parallel_bound",
                                description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=64, choices=[w.batch_size for w in
                                                               workloads.CNN_WORKLOADS])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--mode", choices=MODES, help="measure one mode in this process (the "
                                                 "parent starts one process per mode)")
    args = p.parse_args(argv)
    if args.mode:
        print(measure(args.batch, args.mode))
        return 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    best = dict.fromkeys(MODES, float("inf"))
    for _ in range(args.rounds):
        for mode in MODES:
            out = subprocess.run([sys.executable, "-m", "benchmarks.data_parallel_bound",
                                  "--batch", str(args.batch), "--mode", mode], cwd=root,
                                 capture_output=True, text=True, check=True).stdout
            best[mode] = min(best[mode], float(out.split()[-1]))
    for mode, ms in best.items():
        print(f"cnn-b{args.batch} {MODES[mode][0]}: {ms:.2f} ms/step (fastest of {args.rounds} "
              "processes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
