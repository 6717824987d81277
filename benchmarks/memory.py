"""Peak memory of one training epoch, two ways.

- tracemalloc (in process, NumPy and simplegrad): the peak of bytes allocated through Python's
  and NumPy's allocators while building the model and training one epoch, above what was
  allocated before (the dataset is excluded). Exact and repeatable, but blind to PyTorch, whose
  allocator does not report to tracemalloc.
- RSS (a fresh subprocess per backend, all backends): the peak resident set size during model
  building plus one epoch minus the resident size just before (after imports and the dataset).
  It sees every allocator, but also page-granular effects of malloc and lazily loaded libraries.
Run `python -m benchmarks.memory BACKEND WORKLOAD SAMPLES [STEPS] [THREADS]` to get one RSS
figure as JSON (0 for STEPS means a whole epoch, 0 for THREADS leaves BLAS threads alone).
"""
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

from benchmarks import workloads
from benchmarks.training import run_steps

MIB = 1024.0 * 1024.0


def _build(backend, workload, x, y, lr):
    """The model for `workload` and the backend-native data."""
    if isinstance(workload, workloads.CNNWorkload):
        x = workloads.as_images(x)
        return backend.build_cnn(workloads.cnn_weights(workload), lr), backend.prepare(x, y)
    return backend.build_mlp(workloads.mlp_weights(workload), lr), backend.prepare(x, y)


def traced_peak_mib(backend, workload, data, lr=workloads.LEARNING_RATE, max_steps=None):
    """tracemalloc peak (MiB above the starting point) of building + training one epoch."""
    x, y = data
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        model, (bx, by) = _build(backend, workload, x, y, lr)
        run_steps(model, bx, by, workload.batch_size, max_steps)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / MIB


def _status_kib(field):
    """A VmRSS/VmHWM value from /proc/self/status in KiB, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_probe(backend_name, workload_name, samples, max_steps=None, threads=None):
    """In this process: RSS before and peak RSS while building + training one epoch (MiB)."""
    from benchmarks import backends, machine
    ready, skipped = backends.load((backend_name,))
    if backend_name not in ready:
        return {"error": skipped[backend_name]}
    backend = ready[backend_name]
    machine.set_threads(backend_name, threads or machine.cores())
    workload = {w.name: w for w in workloads.ALL_WORKLOADS}[
        workload_name]
    x, y = workloads.make_data(samples)
    reset = _reset_peak_rss()
    before = _status_kib("VmRSS")
    model, (bx, by) = _build(backend, workload, x, y, workloads.LEARNING_RATE)
    run_steps(model, bx, by, workload.batch_size, max_steps)
    peak = _status_kib("VmHWM")
    if before is None or peak is None:
        return {"error": "no /proc/self/status"}
    return {"rss_before_mib": before / 1024.0, "peak_rss_mib": peak / 1024.0,
            "delta_mib": (peak - before) / 1024.0, "peak_reset": reset}


def rss_delta_mib(backend_name, workload, samples, max_steps=None, threads=None, timeout=600):
    """Run rss_probe in a fresh Python process; returns its dict."""
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "benchmarks.memory", backend_name, workload.name, str(samples),
           str(max_steps or 0), str(threads or 0)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"probe exited {proc.returncode}: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    backend_arg, workload_arg, samples_arg = sys.argv[1:4]
    steps_arg, threads_arg = (int(v) or None for v in (sys.argv[4:6] + ["0", "0"])[:2])
    print(json.dumps(rss_probe(backend_arg, workload_arg, int(samples_arg), steps_arg,
                               threads_arg)))
