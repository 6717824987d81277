"""Where does the time go? cProfile one backend on one workload, top functions by tottime.

    python -m benchmarks.profile_simplegrad mlp-h128-b128            # simplegrad, one epoch
    python -m benchmarks.profile_simplegrad mlp-h128-b128 --backend numpy
    python -m benchmarks.profile_simplegrad add-op                    # 200k x (a + b).backward(g)

An untimed warm-up epoch (or warm-up calls) runs first. cProfile adds a fixed cost per Python
call, so it exaggerates per-call overhead: compare profiles with each other, and use
benchmarks.run for times.
"""
import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import backends, training, workloads  # noqa: E402


def profile_workload(backend_name, workload_name, samples, steps=None):
    """A cProfile.Profile of one epoch (after a warm-up epoch) of a training workload."""
    ready, skipped = backends.load((backend_name,))
    if backend_name not in ready:
        raise SystemExit(f"backend {backend_name}: {skipped[backend_name]}")
    workload = {w.name: w for w in workloads.ALL_WORKLOADS}[
        workload_name]
    if steps is None and isinstance(workload, workloads.CNNWorkload):
        steps = 50
    job = training.Job(workload, ready[backend_name], workloads.make_data(samples),
                       workloads.LEARNING_RATE, steps)
    job.run()
    profiler = cProfile.Profile()
    profiler.runcall(job.run)
    return profiler


def profile_add_op(backend_name, calls=200_000):
    """A cProfile.Profile of `calls` tiny forward+backward ops (4-element float32 a + b)."""
    import numpy as np
    g = np.ones(4, dtype=np.float32)
    if backend_name == "torch":
        import torch
        a, b, g = torch.ones(4, requires_grad=True), torch.ones(4, requires_grad=True), \
            torch.ones(4)
    else:
        from simplegrad import Tensor
        a = Tensor(np.ones(4, dtype=np.float32), requires_grad=True)
        b = Tensor(np.ones(4, dtype=np.float32), requires_grad=True)

    def loop(n):
        for _ in range(n):
            (a + b).backward(g)

    loop(1000)
    profiler = cProfile.Profile()
    profiler.runcall(loop, calls)
    return profiler


def top_lines(profiler, top=25, sort="tottime"):
    """The profile's top functions as text."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def main(argv=None):
    """Command-line entry point."""
    names = [w.name for w in workloads.ALL_WORKLOADS]
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_simplegrad",
                                description=__doc__.split("\n")[0])
    p.add_argument("target", choices=[*names, "add-op"])
    p.add_argument("--backend", default="simplegrad", choices=backends.ALL)
    p.add_argument("--samples", type=int, default=60_000)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    p.add_argument("--threads", type=int, help="limit BLAS (and torch) to N threads")
    args = p.parse_args(argv)
    if args.threads:
        from benchmarks import machine
        machine.limit_blas_threads(args.threads)
        if args.backend == "torch":
            from benchmarks import torch_reference
            torch_reference.set_threads(args.threads)
    if args.target == "add-op":
        profiler = profile_add_op(args.backend)
    else:
        profiler = profile_workload(args.backend, args.target, args.samples)
    print(top_lines(profiler, args.top, args.sort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
