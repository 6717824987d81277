"""How many threads NumPy's BLAS (the matmuls) may use: `set_num_threads`, `get_num_threads`,
and the SIMPLEGRAD_THREADS environment variable.

OpenBLAS threads spin while they wait for each other. When another CPU-bound process holds one
of the cores, a multi-threaded matmul keeps waiting for a thread that is not running, and a
training step can get several times slower; one thread degrades only by the share of the CPU
it loses (see docs/benchmarks.md, "Training on a busy machine"). On a machine of your own,
more threads make big matmuls faster.

This module imports neither NumPy nor threadpoolctl at import time. It uses threadpoolctl when
it is installed; without it, `set_num_threads` can only work before NumPy is first imported (it
sets the BLAS libraries' environment variables, read when they load).
"""
import os
import sys

ENV_VAR = "SIMPLEGRAD_THREADS"
DEFAULT_THREADS = 1  # measured: one thread never collapses when another process takes a core
BLAS_ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "BLIS_NUM_THREADS")


def _check_count(num_threads, where):
    """num_threads as an int >= 1, else a one-line ValueError naming where it came from."""
    try:
        count = int(str(num_threads).strip())
    except ValueError:
        count = 0
    if isinstance(num_threads, bool) or count < 1:
        raise ValueError(f"{where} must be a whole number of threads >= 1, got {num_threads!r}")
    return count


def set_num_threads(num_threads):
    """Let NumPy's BLAS use `num_threads` threads from now on, in this process and (through the
    environment) in the processes it starts; returns the count now in force."""
    count = _check_count(num_threads, "the number of threads")
    for name in BLAS_ENV_VARS:
        os.environ[name] = str(count)
    if "numpy" not in sys.modules:
        return count  # the BLAS library will read the environment when NumPy loads it
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise RuntimeError("setting BLAS threads after NumPy is loaded needs threadpoolctl "
                           "(pip install threadpoolctl), or set SIMPLEGRAD_THREADS / "
                           "OPENBLAS_NUM_THREADS before starting Python") from None
    threadpool_limits(limits=count, user_api="blas")  # stays in force: it is never undone
    return get_num_threads() or count


def get_num_threads():
    """Threads NumPy's BLAS uses now (None when threadpoolctl is missing or finds no BLAS)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return max(counts) if counts else None


def threads_from_environment(environ=None):
    """The thread count SIMPLEGRAD_THREADS asks for, or None when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    return _check_count(value, f"the environment variable {ENV_VAR}") if value else None


def configure_threads(num_threads=None, environ=None):
    """Set BLAS threads for a training run: `num_threads` if given (`simplegrad train
    --threads N`), else SIMPLEGRAD_THREADS, else DEFAULT_THREADS; returns the count applied
    (None when only the default was asked for and threadpoolctl is missing to apply it)."""
    if num_threads is not None:
        return set_num_threads(_check_count(num_threads, "--threads"))
    count = threads_from_environment(environ)
    if count is not None:
        return set_num_threads(count)
    try:
        return set_num_threads(DEFAULT_THREADS)
    except RuntimeError:  # no threadpoolctl: keep the BLAS default rather than fail a run
        return None
