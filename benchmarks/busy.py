"""Training on a busy machine: how much slower is an epoch when one other CPU-bound process runs?

    python -m benchmarks.busy                      # threads 1 and 2, simplegrad and torch
    python -m benchmarks.busy --rounds 5 --only cnn-b64 --threads 1,2

For each thread count (simplegrad's own threads, torch.set_num_threads), each backend in a
process of its own, every backend trains the same slice of work alternately with and
without a competitor: a child process spinning a pure-Python loop on one core. The slowdown
is busy time / quiet time, the median over rounds of pairs run seconds apart. With 2 cores
and one competitor, a process that shares fairly should slow down by at most about 2x with 2
threads and hardly at all with 1.
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import workers, workloads  # noqa: E402

SPINNER = "while True: pass"


class Competitor:
    """A child process keeping one core busy while the `with` block runs."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", SPINNER])
        time.sleep(0.2)  # let it get scheduled
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def measure(workload_names, thread_counts, rounds, samples, steps, backend_names, log=print):
    """{workload: {threads: {backend: {"quiet_s", "busy_s", "slowdown"}}}}, each backend in a
    process of its own (benchmarks/workers.py)."""
    ready, skipped = workers.start(backend_names)
    try:
        for name, why in skipped.items():
            log(f"skipping {name}: {why}")
        results = {}
        for wname in workload_names:
            w = {w.name: w for w in workloads.ALL_WORKLOADS}[wname]
            per_step = steps if isinstance(w, workloads.STEPPED) else None
            jobs = {b: workers.RemoteJob(worker, wname, per_step) for b, worker in ready.items()
                    if wname in worker.call("jobs_for", [wname], samples, steps)}
            results[wname] = {count: _rounds(jobs, count, rounds, log, wname)
                              for count in thread_counts}
        return results
    finally:
        for worker in ready.values():
            worker.close()


def _rounds(jobs, count, rounds, log, wname):
    """Quiet and busy times of each job on `count` threads, alternating which comes first."""
    for job in jobs.values():
        job.worker.call("set_threads", count)
        job.run()  # warm-up at this thread count
    times = {b: {"quiet_s": [], "busy_s": []} for b in jobs}
    for r in range(rounds):
        for b, job in jobs.items():
            for busy in ((False, True) if r % 2 == 0 else (True, False)):
                job.reset()
                if busy:
                    with Competitor():
                        seconds = job.run()[0]
                else:
                    seconds = job.run()[0]
                times[b]["busy_s" if busy else "quiet_s"].append(seconds)
        log(f"  {wname} threads={count} round {r + 1}/{rounds}: " + "  ".join(
            f"{b} {t['quiet_s'][-1]:.3g}/{t['busy_s'][-1]:.3g} s" for b, t in times.items()))
    for t in times.values():
        t["slowdown"] = statistics.median(
            busy / quiet for busy, quiet in zip(t["busy_s"], t["quiet_s"]))
    return times


def render(results):
    """A table: quiet and busy median seconds and the slowdown per workload, threads, backend;
    then, per backend, its busy time at the most threads against its quiet time on one."""
    lines = ["workload         threads  backend     quiet (median)  busy (median)  slowdown",
             "---------------  -------  ----------  --------------  -------------  --------"]
    for wname, per_count in results.items():
        for count, per_backend in per_count.items():
            for b, t in per_backend.items():
                lines.append(f"{wname:15s}  {count:7d}  {b:10s}  "
                             f"{statistics.median(t['quiet_s']):12.3f} s  "
                             f"{statistics.median(t['busy_s']):11.3f} s  {t['slowdown']:7.2f}x")
        if 1 in per_count and len(per_count) > 1:
            most = max(per_count)
            for b in per_count[most]:
                ratio = (statistics.median(per_count[most][b]["busy_s"])
                         / statistics.median(per_count[1][b]["quiet_s"]))
                lines.append(f"{wname}: {b} busy at {most} threads / quiet at 1 thread: "
                             f"{ratio:.2f}x")
    return "\n".join(lines)


def main(argv=None):
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.busy",
                                description=__doc__.split("\n")[0])
    p.add_argument("--only", default="mlp-h512x2-b128,cnn-b64",
                   help="comma-separated workloads (default: mlp-h512x2-b128,cnn-b64)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--samples", type=int, default=20_000, help="rows per MLP epoch")
    p.add_argument("--cnn-steps", type=int, default=50)
    p.add_argument("--backends", default="simplegrad,torch")
    args = p.parse_args(argv)
    results = measure([w.strip() for w in args.only.split(",")],
                      [int(t) for t in args.threads.split(",")], args.rounds, args.samples,
                      args.cnn_steps, [b.strip() for b in args.backends.split(",")],
                      log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
