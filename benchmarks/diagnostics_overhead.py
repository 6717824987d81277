"""What seeing inside training costs (issue 27): anomaly mode per op, diagnostics per run.

    python -m benchmarks.diagnostics_overhead                    # both parts, 5 rounds
    python -m benchmarks.diagnostics_overhead --baseline 7a0f20d^  # and before the feature

Ops: tiny ops whose cost is all Python (`a + b` on 4 floats, forward and backward, and one step
of a 4-8-2 MLP), timed with `detect_anomaly()` off and on in this process and, with
--baseline REV, in a fresh process importing the simplegrad of that commit (`git archive`):
the ratios off / REV (the switch when off, target 1.0) and on / off (the price of
turning it on). Training: `simplegrad train configs/digits.yaml` (the bundled digits, MNIST's
784-128-10 MLP) plain, with `train.diagnostics: {every: 50}` (target: within 1.05x) and with
`train.detect_anomaly`, each in a subprocess, interleaved round by round; the figure is the
run's own training time (`time_s` of --json), the median over rounds; and, free of the noise
between runs, the share of one run's training time spent inside the diagnostics hook.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OP_CASES = {  # name: statement, timed on tensors made by SETUP
    "add fwd (grad-tracking)": "a + b",
    "add fwd+bwd": "(a + b).backward(g)",
    "MLP step fwd+bwd": "net(x).cross_entropy_loss(y).backward()",
}
SETUP = """
import numpy as np
import simplegrad as sg
from simplegrad import nn
rng = np.random.default_rng(0)
a, b = (sg.Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
        for _ in range(2))
g = np.ones(4, np.float32)
net = nn.Sequential([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)])
x, y = sg.Tensor(rng.standard_normal((16, 4)).astype(np.float32)), rng.integers(0, 2, 16)
"""
DIAGNOSTICS = "diagnostics every 50"
TRAIN_MODES = {"plain": [], DIAGNOSTICS: ["--set", "train.diagnostics.every=50"],
               "detect_anomaly": ["--detect-anomaly"]}


def time_ops(anomaly, number=2000, repeat=5):
    """{case: best microseconds per call} in this process (the simplegrad it imports)."""
    import simplegrad

    namespace = {}
    exec(SETUP, namespace)
    times = {}
    for name, statement in OP_CASES.items():
        def timed():
            return min(timeit.repeat(statement, globals=namespace, number=number,
                                     repeat=repeat)) / number * 1e6
        if anomaly:
            with simplegrad.detect_anomaly():
                times[name] = timed()
        else:
            times[name] = timed()
    return times


def export_simplegrad(revision, folder):
    """The simplegrad package of a git revision, written under `folder` (returned)."""
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "simplegrad"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def baseline_ops(tree):
    """time_ops() in a fresh process importing the simplegrad under `tree` (not this one)."""
    code = (f"import sys; sys.path[:0] = [{str(tree)!r}, {str(ROOT)!r}]; import json, "
            "simplegrad; from benchmarks.diagnostics_overhead import time_ops; "
            "assert simplegrad.__file__.startswith(sys.path[0]); "
            "print(json.dumps(time_ops(False)))")
    done = subprocess.run([sys.executable, "-P", "-c", code], cwd=tree, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def measure_ops(rounds, baselines=(), log=print):
    """Median per-call microseconds per case and mode (off, on, each baseline revision) over
    interleaved rounds, and the ratios on/off and off/REV."""
    times = {}
    with tempfile.TemporaryDirectory(prefix="simplegrad-anomaly-") as tmp:
        trees = {rev: export_simplegrad(rev, Path(tmp) / str(i))
                 for i, rev in enumerate(baselines)}
        for r in range(rounds):
            runs = {"off": time_ops(False), "on": time_ops(True)}
            runs.update((rev, baseline_ops(tree)) for rev, tree in trees.items())
            for mode, per_case in runs.items():
                for case, us in per_case.items():
                    times.setdefault(case, {}).setdefault(mode, []).append(us)
            log(f"  ops round {r + 1}/{rounds} done")
    medians = {case: {mode: statistics.median(v) for mode, v in modes.items()}
               for case, modes in times.items()}
    for m in medians.values():
        m["on/off"] = m["on"] / m["off"]
        for rev in baselines:
            m[f"off/{rev}"] = m["off"] / m[rev]
    return medians


def train_seconds(args, out, threads):
    """Training seconds (`time_s`) of one `simplegrad train configs/digits.yaml` run."""
    command = [sys.executable, "-c", "from simplegrad_cli.main import main; main()", "train",
               str(ROOT / "configs" / "digits.yaml"), "--out", str(out), "--overwrite",
               "--json", "--set", f"train.threads={threads}", *args]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=out.parent)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)["time_s"]


def measure_training(rounds, epochs, threads=1, log=print):
    """Median training seconds per mode over interleaved rounds, and each against plain."""
    times = {mode: [] for mode in TRAIN_MODES}
    with tempfile.TemporaryDirectory(prefix="simplegrad-diagnostics-") as tmp:
        modes = list(TRAIN_MODES)
        for r in range(rounds):
            for mode in modes[r % len(modes):] + modes[:r % len(modes)]:
                times[mode].append(train_seconds(
                    [*TRAIN_MODES[mode], "--epochs", str(epochs)], Path(tmp) / "run", threads))
            log(f"  training round {r + 1}/{rounds}: " +
                ", ".join(f"{m} {t[-1]:.2f} s" for m, t in times.items()))
    ratios = {mode: statistics.median(t / p for t, p in zip(times[mode], times["plain"]))
              for mode in TRAIN_MODES}
    return {"seconds": {m: statistics.median(t) for m, t in times.items()},
            "ratio_to_plain": ratios, "epochs": epochs, "threads": threads}


def hook_share(epochs, threads=1):
    """The share of the training time spent in the Diagnostics hook (every 50 steps), timed
    inside one process: a figure the machine's noise between runs does not blur."""
    import contextlib
    import io
    import time

    from simplegrad_cli.main import app
    from simplegrad_cli.run.diagnostics import Diagnostics

    spent = [0.0]

    def timed(method):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return wrapper
    originals = {name: getattr(Diagnostics, name) for name in ("on_epoch_start", "on_step",
                                                               "seen", "on_train_end")}
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="simplegrad-diagnostics-") as tmp:
        try:
            for name, method in originals.items():
                setattr(Diagnostics, name, timed(method))
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), \
                    contextlib.suppress(SystemExit):
                app(["train", str(ROOT / "configs" / "digits.yaml"), "--json",
                     "--out", str(Path(tmp) / "run"), "--epochs", str(epochs),
                     "--set", f"train.threads={threads}", *TRAIN_MODES[DIAGNOSTICS]])
        finally:
            for name, method in originals.items():
                setattr(Diagnostics, name, method)
    seconds = json.loads(out.getvalue())["time_s"]
    return {"hook_seconds": spent[0], "training_seconds": seconds,
            "share": spent[0] / seconds}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.diagnostics_overhead",
                                description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5, help="epochs of each training run")
    p.add_argument("--baseline", metavar="REV", action="append", default=[],
                   help="also time the ops with the simplegrad of this git revision "
                        "(repeatable)")
    p.add_argument("--only", choices=("ops", "training"))
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    results = {}
    if args.only != "training":
        results["ops"] = measure_ops(args.rounds, args.baseline, log)
        log(f"per call, median of {args.rounds} rounds (microseconds):")
        for case, m in results["ops"].items():
            log(f"  {case:24s} " + "  ".join(f"{k} {v:.3g}{'x' * ('/' in k)}"
                                                 for k, v in m.items()))
    if args.only != "ops":
        results["training"] = measure_training(args.rounds, args.epochs, log=log)
        t = results["training"]
        log(f"digits MLP, {args.epochs} epochs, median training seconds of {args.rounds} rounds:")
        for mode, seconds in t["seconds"].items():
            log(f"  {mode:22s} {seconds:.2f} s  {t['ratio_to_plain'][mode]:.3f}x plain")
        results["hook"] = share = hook_share(args.epochs)
        log(f"in one process: the diagnostics hook took {share['hook_seconds']:.3f} s of "
            f"{share['training_seconds']:.2f} s of training ({share['share']:.2%})")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
