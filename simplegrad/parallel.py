"""Spread NumPy work over the cores: `parallel_chunks(n, fn)` runs fn(start, stop) on
contiguous pieces of range(n), one piece per thread.

NumPy releases the GIL inside ufunc loops, copies and matmuls, so Python threads that each work
on their own slice of an array run at the same time. The helper threads wait on a queue when
idle (they never spin), so on a busy machine they lose only their share of the CPU. How many
threads: `simplegrad.threads.set_num_threads` (else NumPy's BLAS thread count); with one thread
fn(0, n) is simply called, with no pool at all.
"""
import os

from simplegrad import threads

_pool, _pool_size = None, 0  # helper threads (the calling thread does the first piece itself)


def _forget_pool():
    """In a forked child the pool's threads do not exist: start a new pool when needed."""
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _helpers(count):
    """A pool of `count` helper threads, rebuilt when the thread count changes."""
    global _pool, _pool_size
    if _pool_size != count:
        from concurrent.futures import ThreadPoolExecutor  # lazily: keeps start-up fast
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool, _pool_size = ThreadPoolExecutor(count, thread_name_prefix="simplegrad"), count
    return _pool


def parallel_chunks(n, fn, min_chunk=1):
    """Call fn(start, stop) on contiguous pieces covering range(n), in parallel threads; pieces
    have at least `min_chunk` items (below that, threads cost more than they save)."""
    workers = threads.worker_count()
    count = min(workers, n // max(min_chunk, 1))
    if count <= 1:
        fn(0, n)
        return
    pool = _helpers(workers - 1)
    bounds = [n * i // count for i in range(count + 1)]
    futures = [pool.submit(fn, start, stop)
               for start, stop in zip(bounds[1:-1], bounds[2:])]
    try:
        fn(bounds[0], bounds[1])
    finally:
        for future in futures:
            future.result()  # re-raises a helper's exception here
