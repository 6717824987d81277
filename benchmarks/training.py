"""Time MLP epochs and CNN steps for every backend, interleaved round by round in one process.

Each round runs every workload once per backend, rotating the backend order between rounds, so
slow drifts of a noisy machine (frequency, neighbours) hit all backends alike. Ratios are the
median of the per-round ratios: each compares runs made seconds apart.

One warm-up epoch per model runs first (code paths, allocator, BLAS buffers); each timed run
then starts from a fresh model built from the initial weights, so every round times the same
epoch. (Training on and on lets Adam's first moment of parameters whose gradient became zero
decay into float32 subnormals, which makes NumPy arithmetic slower round after round.)
"""
import gc
import resource
import statistics
import time

from benchmarks import workloads


def run_steps(model, x, y, batch_size, max_steps=None):
    """Train on consecutive batches (no shuffling; the last batch may be short); returns losses."""
    n = len(x) if max_steps is None else min(len(x), max_steps * batch_size)
    return [model.step(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n, batch_size)]


class Job:
    """One (workload, backend) pair: its model, its data and how much to run per measurement."""

    def __init__(self, workload, backend, data, lr, max_steps):
        x, y = data
        if isinstance(workload, workloads.GPTWorkload):
            x, y = workloads.make_tokens(workload)
            weights = workloads.gpt_weights(workload)
            build = lambda w, lr: backend.build_gpt(w, lr, workload)  # noqa: E731
        elif isinstance(workload, workloads.CNNWorkload):
            x = workloads.as_images(x)
            weights, build = workloads.cnn_weights(workload), backend.build_cnn
        else:
            weights, build = workloads.mlp_weights(workload), backend.build_mlp
        self._build = lambda: build(weights, lr)
        self.model = self._build()
        self.x, self.y = backend.prepare(x, y)
        self.batch_size, self.max_steps = workload.batch_size, max_steps

    def reset(self):
        """A fresh model from the initial weights, so every timed run trains the same epoch."""
        self.model = None
        self.model = self._build()

    def run(self):
        """Run once (an epoch, or max_steps steps); returns (seconds, steps, last loss, minor
        page faults): each backend has a process of its own, so the faults are its own."""
        gc.collect()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        losses = run_steps(self.model, self.x, self.y, self.batch_size, self.max_steps)
        seconds = time.perf_counter() - start
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
        return seconds, len(losses), losses[-1], faults


def time_workloads(jobs, rounds, warmup=True, log=print):
    """{workload name: {backend: [seconds per round]}} (per step for the CNN), the last losses
    and {workload name: {backend: [minor page faults per step, per round]}}.

    `jobs` maps workload name -> {backend name: Job}.
    """
    times = {w: {b: [] for b in per} for w, per in jobs.items()}
    faults = {w: {b: [] for b in per} for w, per in jobs.items()}
    losses = {w: {} for w in jobs}
    if warmup:
        for w, per in jobs.items():
            for job in per.values():
                job.run()
        log("  warm-up done")
    for r in range(rounds):
        for w, per in jobs.items():
            names = list(per)
            shift = r % len(names)
            for b in names[shift:] + names[:shift]:
                per[b].reset()
                seconds, steps, loss, page_faults = per[b].run()
                per_unit = seconds / steps if per[b].max_steps else seconds
                times[w][b].append(per_unit)
                faults[w][b].append(page_faults / steps)
                losses[w][b] = loss
        log(f"  round {r + 1}/{rounds}: " + "  ".join(
            f"{w} " + "/".join(f"{times[w][b][-1]:.3g}" for b in times[w]) for w in times))
    return times, losses, faults


def paired_ratio(times, numerator, denominator):
    """Median over rounds of numerator/denominator time measured in the same round."""
    a, b = times.get(numerator), times.get(denominator)
    if not a or not b:
        return None
    return statistics.median(x / y for x, y in zip(a, b))


def summarize(times, losses, faults=None):
    """Medians, minima, paired ratios, ratios of minima and page faults per step per workload,
    as a JSON-able dict."""
    out = {}
    for w, per in times.items():
        entry = {"median_s": {b: statistics.median(t) for b, t in per.items() if t},
                 "page_faults_per_step": {b: statistics.median(f)
                                          for b, f in (faults or {}).get(w, {}).items() if f},
                 "min_s": {b: min(t) for b, t in per.items() if t},
                 "rounds_s": per, "last_loss": losses.get(w, {}), "ratios": {}}
        entry["min_ratios"] = {}
        for num, den in (("simplegrad", "numpy"), ("simplegrad", "torch"), ("torch", "numpy")):
            ratio = paired_ratio(per, num, den)
            if ratio is not None:
                entry["ratios"][f"{num}/{den}"] = ratio
                entry["min_ratios"][f"{num}/{den}"] = min(per[num]) / min(per[den])
        out[w] = entry
    return out
