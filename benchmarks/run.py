"""Run the benchmark suite: `python -m benchmarks.run [--quick] [--rounds N] [--only ...]`.

Times simplegrad, the hand-written NumPy reference and PyTorch CPU eager (when installed) side
by side, each in a process of its own (benchmarks/workers.py: a library loaded beside another
can change the allocator of the whole process), interleaved round by round, and prints tables
of medians and ratios; --json writes everything, including every round's time. See
docs/benchmarks.md.
"""
import argparse
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/run.py`: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import backends, machine, memory, micro, report, training, workers, \
    workloads  # noqa: E402

GROUPS = {"mlp": [w.name for w in workloads.MLP_WORKLOADS],
          "cnn": [w.name for w in workloads.CNN_WORKLOADS],
          "gpt": [w.name for w in workloads.GPT_WORKLOADS],
          "micro": ["micro"], "memory": ["memory"]}
ALL_ITEMS = [*GROUPS["mlp"], *GROUPS["cnn"], *GROUPS["gpt"], "micro", "memory"]


def parse_args(argv):
    """Command-line options; --quick shrinks every size for a fast look."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small run: 10,000 samples, 2 rounds, fewer micro repetitions")
    p.add_argument("--rounds", type=int, help="interleaved timing rounds (default 5, quick 2)")
    p.add_argument("--only", help="comma-separated items: " + ", ".join(ALL_ITEMS) +
                   " or groups mlp, cnn, gpt (default: everything)")
    p.add_argument("--backends", default="numpy,torch,simplegrad",
                   help="comma-separated subset of numpy,torch,simplegrad")
    p.add_argument("--samples", type=int, help="dataset rows (default 60000, quick 10000)")
    p.add_argument("--cnn-steps", type=int, help="CNN and GPT steps timed per round (default 50)")
    p.add_argument("--micro-reps", type=int, help="calls per tiny-op timing (default 20000)")
    p.add_argument("--chain-length", type=int, default=100_000, help="ops in the long chain")
    p.add_argument("--threads", type=int,
                   help="run every backend on N threads: simplegrad's own, torch's, the NumPy "
                        "reference's BLAS (default: every core)")
    p.add_argument("--no-warmup", action="store_true", help="skip the warm-up epoch")
    p.add_argument("--no-rss", action="store_true", help="skip the RSS subprocess measurements")
    p.add_argument("--json", metavar="PATH", help="also write all results as JSON to PATH")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.samples = args.samples or (10_000 if args.quick else 60_000)
    args.cnn_steps = args.cnn_steps or (10 if args.quick else 50)
    args.micro_reps = args.micro_reps or (2_000 if args.quick else 20_000)
    items = ALL_ITEMS
    if args.only:
        items = []
        for word in args.only.split(","):
            word = word.strip()
            if word not in GROUPS and word not in ALL_ITEMS:
                p.error(f"--only: unknown item {word!r}; expected one of "
                        f"{', '.join(ALL_ITEMS + ['mlp', 'cnn', 'gpt'])}")
            items += GROUPS.get(word, [word])
    args.items = items
    args.backend_names = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backend_names) - set(backends.ALL)
    if unknown:
        p.error(f"--backends: unknown {sorted(unknown)}; "
                f"expected some of {', '.join(backends.ALL)}")
    return args


def describe(ready):
    """The machine as each backend's own process sees it: BLAS threads from NumPy's (or the
    first) process, PyTorch's threads from its own, simplegrad's version from its own."""
    infos = {name: worker.call("describe") for name, worker in ready.items()}
    info = dict(infos.get("numpy") or next(iter(infos.values())))
    for name, keys in (("torch", ("torch",)),
                       ("simplegrad", ("simplegrad", "simplegrad_threads"))):
        for key in keys:
            info[key] = infos[name][key] if name in infos else None
    info["processes"] = "one per backend"
    return info


def run(args, log=print):
    """Run the selected benchmarks; returns the JSON-able results dict."""
    ready, skipped = workers.start(args.backend_names, args.threads)
    try:
        return _run(args, ready, skipped, log)
    finally:
        for worker in ready.values():
            worker.close()


def _run(args, ready, skipped, log):
    info = describe(ready)
    results = {"machine": info, "skipped": skipped, "settings": {
        "samples": args.samples, "rounds": args.rounds, "warmup": not args.no_warmup,
        "cnn_steps": args.cnn_steps, "micro_reps": args.micro_reps,
        "chain_length": args.chain_length, "items": args.items, "threads": args.threads,
        "lr": workloads.LEARNING_RATE}}
    for line in machine.summary_lines(info):
        log(line)
    for name, why in skipped.items():
        log(f"skipping {name}: {why}")
    selected = [w for w in workloads.ALL_WORKLOADS if w.name in args.items]
    names = [w.name for w in selected]
    built = {b: worker.call("jobs_for", names, args.samples, args.cnn_steps)
             for b, worker in ready.items()}
    if selected:
        jobs = {}
        for w in selected:
            steps = args.cnn_steps if isinstance(w, workloads.STEPPED) else None
            jobs[w.name] = {b: workers.RemoteJob(worker, w.name, steps)
                            for b, worker in ready.items() if w.name in built[b]}
        log(f"training benchmarks ({', '.join(jobs)}), {args.rounds} rounds, one process per "
            f"backend:")
        times, losses, faults = training.time_workloads(jobs, args.rounds, not args.no_warmup,
                                                        log)
        summary = training.summarize(times, losses, faults)
        results["mlp"] = {k: v for k, v in summary.items() if k.startswith("mlp")}
        results["cnn"] = {k: v for k, v in summary.items() if k.startswith("cnn")}
        results["gpt"] = {k: v for k, v in summary.items() if k.startswith("gpt")}
    for worker in ready.values():
        worker.call("drop_jobs")
    if "memory" in args.items:
        log("memory:")
        results["memory"] = measure_memory(args, ready, log)
    if "micro" in args.items:
        log("micro-benchmarks:")
        results["micro"] = micro.run_all(ready, args.rounds, args.micro_reps,
                                         args.chain_length, log)
    return results


def measure_memory(args, ready, log):
    """tracemalloc (numpy, simplegrad, in their processes) and subprocess RSS (all) peaks per
    selected workload."""
    every = (*workloads.MLP_WORKLOADS, *workloads.CNN_WORKLOADS)  # the NumPy reference has no GPT
    targets = [w for w in every if w.name in args.items] or every  # `--only memory`: all
    out = {}
    for w in targets:
        steps = args.cnn_steps if isinstance(w, workloads.STEPPED) else None
        entry = {"tracemalloc_mib": {}, "rss_delta_mib": {}, "rss_detail": {}}
        for name in ("numpy", "simplegrad"):
            if name in ready:
                entry["tracemalloc_mib"][name] = ready[name].call("traced_peak", w.name, steps)
        if not args.no_rss:
            for name in ready:
                probe = memory.rss_delta_mib(name, w, args.samples, steps, args.threads)
                entry["rss_detail"][name] = probe
                if "delta_mib" in probe:
                    entry["rss_delta_mib"][name] = probe["delta_mib"]
        log(f"  {w.name}: traced {entry['tracemalloc_mib']} rss {entry['rss_delta_mib']}")
        out[w.name] = entry
    return out


def main(argv=None):
    """Entry point: run, print the report, optionally write JSON."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    results = run(args, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    results["wall_time_s"] = time.perf_counter() - start
    results["machine"]["load_average_end"] = machine.load_average()
    print(report.render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=float))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
