"""What the numbers were measured on: CPU, BLAS library and threads, versions, relevant env vars."""
import os
import platform
import sys

import numpy as np

# Variables that change which BLAS kernel or how many threads run; recorded, never changed here.
THREAD_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                   "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (Linux), else whatever platform reports."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_details():
    """Family/model/stepping and the vector ISA flags that decide which BLAS kernel runs."""
    fields, wanted = {}, ("cpu family", "model", "stepping", "flags")
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = (part.strip() for part in line.partition(":"))
                if key in wanted and key not in fields:
                    fields[key] = value
    except OSError:
        return ""
    flags = set(fields.pop("flags", "").split())
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    return ", ".join(f"{k} {v}" for k, v in fields.items()) + f"; {' '.join(isa)}"


def blas_info():
    """NumPy's BLAS (library, version, kernel architecture, threads) via threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"library": "unknown (threadpoolctl not installed)", "num_threads": None}
    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            return {"library": pool.get("internal_api"), "version": pool.get("version"),
                    "architecture": pool.get("architecture"),
                    "threading_layer": pool.get("threading_layer"),
                    "num_threads": pool.get("num_threads")}
    return {"library": "unknown (no BLAS pool found)", "num_threads": None}


def cores():
    """The cores this process may use (its CPU affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def simplegrad_threads():
    """simplegrad's own thread count, or None when it cannot be imported."""
    try:
        from simplegrad import parallel
    except Exception:  # a half-written checkout must not stop the NumPy/torch runs
        return None
    return parallel.get_num_threads()


def set_threads(backend, count):
    """Run `backend` on `count` threads: simplegrad's own pool (it holds BLAS at one), PyTorch's
    intra-op threads, or the NumPy reference's BLAS."""
    if backend == "simplegrad":
        from simplegrad import parallel
        parallel.set_num_threads(count)
    elif backend == "torch":
        from benchmarks import torch_reference
        torch_reference.set_threads(count)
    else:
        limit_blas_threads(count)
    return count


def limit_blas_threads(num_threads):
    """Limit NumPy's BLAS to `num_threads` for the rest of the process (needs threadpoolctl)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=int(num_threads), user_api="blas")


def torch_info():
    """torch version and thread counts, or None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    from benchmarks import torch_reference
    return {"version": torch.__version__, "num_threads": torch.get_num_threads(),
            "num_interop_threads": torch.get_num_interop_threads(),
            "adam": torch_reference.adam_implementation()}


def simplegrad_version():
    """simplegrad's version string, or why it cannot be imported."""
    try:
        import simplegrad
    except Exception as exc:  # a half-written checkout must not stop the NumPy/torch runs
        return f"not importable ({type(exc).__name__}: {exc})"
    return getattr(simplegrad, "__version__", "unknown")


def load_average():
    """1-minute load average (other processes competing for the cores), or None."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def describe(backend=None):
    """Everything above as one JSON-able dict; in a backend's own process (`backend`), only its
    library is looked at, so the others are never imported there."""
    return {
        "cpu": cpu_model(),
        "cpu_details": cpu_details(),
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch_info() if backend in (None, "torch") else None,
        "simplegrad": simplegrad_version() if backend in (None, "simplegrad") else None,
        "simplegrad_threads": simplegrad_threads() if backend in (None, "simplegrad") else None,
        "env": {name: os.environ.get(name) for name in THREAD_ENV_VARS},
        "load_average": load_average(),
    }


def summary_lines(info):
    """A few readable lines for the top of the report."""
    blas = info["blas"]
    lines = [f"CPU: {info['cpu']} ({info['logical_cpus']} logical CPUs; {info['cpu_details']})",
             f"OS: {info['platform']}",
             f"Python {info['python']}, NumPy {info['numpy']}, simplegrad {info['simplegrad']} "
             f"({info.get('simplegrad_threads')} threads of its own, BLAS held at 1)",
             f"BLAS: {blas.get('library')} {blas.get('version') or ''} "
             f"kernel={blas.get('architecture')} threads={blas.get('num_threads')}"]
    if info["torch"]:
        t = info["torch"]
        lines.append(f"PyTorch {t['version']}: threads={t['num_threads']} "
                     f"interop={t['num_interop_threads']}, Adam={t['adam']}")
    else:
        lines.append("PyTorch: not installed (columns skipped)")
    env = ", ".join(f"{k}={v}" for k, v in info["env"].items() if v is not None)
    lines.append(f"Thread/kernel env vars: {env or 'none set'}")
    if info.get("load_average") is not None:
        end = info.get("load_average_end")
        lines.append(f"Load average (1 min) at start: {info['load_average']}"
                     + (f", at end: {end}" if end is not None else "")
                     + " (well above 0 means other processes shared the cores)")
    return lines
