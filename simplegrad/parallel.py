"""simplegrad's own threads: a heavy kernel cuts its work into chunks and runs them on a small
pool, the calling thread included.

NumPy's loops run on one core and release the GIL while they run, so two threads each doing a
large NumPy operation really do run at once. A kernel here (convolution, pooling, a large
elementwise op, a large matmul, an optimizer update) makes a list of tasks, one per chunk, and
`run` spreads them over the threads. Three rules keep it safe:

- The same bits for any thread count. The chunks depend only on the sizes (never on how many
  threads there are), every task writes its own part of the output, and partial results that
  must be added (a convolution's weight gradient over batch chunks) are added by the caller in
  chunk order. One thread runs the very same chunks one after the other.
- No thread spins. Idle workers sleep on a lock; BLAS runs at one thread (its own
  spinning threads would fight ours, and any other process, for the cores).
- One user at a time. If the pool is busy (another Python thread of the user's is training a
  model of its own, or a task asks for more tasks), the caller runs its tasks itself, in order.

The number of threads is all the cores this process may use (`os.sched_getaffinity`), or
`SIMPLEGRAD_THREADS`, or what `set_num_threads(n)` says.
"""
import functools
import itertools
import os
import threading

ENV_VAR = "SIMPLEGRAD_THREADS"


def default_threads():
    """SIMPLEGRAD_THREADS when it is set (checked), else every core this process may use."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return _checked(value, f"the environment variable {ENV_VAR}")
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _checked(count, where):
    """`count` as an int >= 1, else a one-line ValueError naming where it came from."""
    try:
        number = int(str(count).strip())
    except ValueError:
        number = 0
    if isinstance(count, bool) or number < 1:
        raise ValueError(f"{where} must be a whole number of threads >= 1, got {count!r}")
    return number


class _Pool:
    """Worker threads that take tasks from one shared iterator (the caller takes them too).

    No Python lock is shared while tasks run: taking the next task is one `next()` on an
    iterator and finishing one is one `next()` on a counter, each atomic under the GIL. A worker
    sleeps on a lock of its own until the caller releases it for a job; the caller, when it
    runs out of tasks, sleeps on the job's `done` lock until the thread finishing the last task
    releases it. (A shared condition variable made every thread queue for its lock.)
    """

    def __init__(self, workers):
        self.lock = threading.Lock()  # held by the one caller using the pool
        self.job = None
        self.sleeping = [threading.Lock() for _ in range(workers)]
        for index, asleep in enumerate(self.sleeping):
            asleep.acquire()
            threading.Thread(target=self._work, args=(asleep,), daemon=True,
                             name=f"simplegrad-{index + 1}").start()

    def _work(self, asleep):
        while True:
            asleep.acquire()  # released by run() when there is a job
            self.job.take()

    def run(self, tasks):
        job = self.job = _Job(tasks)
        for asleep in self.sleeping:
            if asleep.locked():  # else it was woken already and has not slept since
                asleep.release()
        job.take()
        job.done.acquire()  # every task has finished (the last one released it)
        if job.error is not None:
            raise job.error
        return job.results


class _Job:
    """One call's tasks: taken in order by whichever thread is free, results kept in place."""

    def __init__(self, tasks):
        self.tasks, self.results, self.error = tasks, [None] * len(tasks), None
        self.done = threading.Lock()  # released when the last task has finished
        self.done.acquire()
        self.queue = iter(enumerate(tasks))  # next() is atomic: each task is taken once
        self.finished = itertools.count(1)

    def take(self):
        """Run tasks until none is left to take (any thread, the caller included)."""
        for index, task in self.queue:
            try:
                self.results[index] = task()
            except BaseException as error:  # noqa: B036  (handed to the caller)
                self.error = self.error or error
            if next(self.finished) == len(self.tasks):
                self.done.release()


_threads = None  # the count in force (None: not decided yet)
_pool = None
_blas_limit = None  # threadpoolctl's limit holding BLAS at one thread while the pool runs


def get_num_threads():
    """The number of threads simplegrad's kernels use (the calling thread included)."""
    if _threads is None:
        set_num_threads(default_threads())
    return _threads


def set_num_threads(count):
    """Use `count` threads from now on (1: everything on the calling thread). BLAS is held at
    one thread, so its threads and simplegrad's never compete for the cores."""
    global _threads, _pool
    count = _checked(count, "the number of threads")
    if count == _threads:
        return count
    _threads = count
    _pool = _Pool(count - 1) if count > 1 else None  # old workers sleep on, unused
    _hold_blas()
    return count


def _hold_blas():
    """Keep BLAS at one thread: simplegrad shares large matmuls out itself, and OpenBLAS's own
    threads spin while they wait, so beside another busy process (or beside ours) a matmul
    can get many times slower (measured: a GPT step 14x slower with BLAS at 2 threads on a
    two-core machine with one core taken)."""
    global _blas_limit
    if _blas_limit is None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # then BLAS keeps its threads: slower under load, never wrong
            return
        _blas_limit = threadpool_limits(limits=1, user_api="blas")


def run(tasks):
    """Run the zero-argument callables `tasks` and return their results, in order. They may
    run at the same time, so each must touch only its own part of any shared output."""
    if len(tasks) < 2:
        return [task() for task in tasks]
    if _threads is None:
        get_num_threads()  # the first call decides the count (and starts the pool)
    pool = _pool
    if pool is None or not pool.lock.acquire(blocking=False):
        return [task() for task in tasks]  # one thread, or the pool is busy: do them here
    try:
        return pool.run(tasks)
    finally:
        pool.lock.release()


def chunks(total, size):
    """Slices of range(total), each `size` long (the last may be shorter): a split that
    depends on the sizes only, so results never depend on the number of threads."""
    size = max(1, int(size))
    return [slice(start, min(start + size, total)) for start in range(0, total, size)]


ELEMENTS_PER_TASK = 1 << 17  # an elementwise task's share: ~0.1 ms of NumPy work


def is_large(array):
    """True when an elementwise op on `array` is worth cutting into tasks."""
    return array.size >= 2 * ELEMENTS_PER_TASK


def elementwise(fn, out, *arrays, whole=()):
    """fn(out_part, *array_parts) over matching parts of `out` and `arrays` (all of out's
    number of dims, each axis of out's size or 1), cut along the axis outermost in out's memory
    among those not in `whole` (axes a part keeps whole: a softmax's or a norm's); one part
    when `out` is small. Each element of out_part must depend on its part alone."""
    whole = {axis % out.ndim for axis in whole} if out.ndim else set()
    axes = [axis for axis in range(out.ndim) if axis not in whole and out.shape[axis] > 1]
    if not is_large(out) or not axes:
        fn(out, *arrays)
        return out
    axis = max(axes, key=lambda i: abs(out.strides[i]))
    per_row = out.size // out.shape[axis]
    tasks = []
    for part in chunks(out.shape[axis], max(1, ELEMENTS_PER_TASK // max(per_row, 1))):
        tasks.append(functools.partial(_apply, fn, out, arrays, axis, part))
    run(tasks)
    return out


def _apply(fn, out, arrays, axis, part):
    """fn on the `part` slice of `axis` of out and of each array (whole where it has size 1)."""
    def cut(array):
        index = [slice(None)] * array.ndim
        if array.shape[axis] != 1:
            index[axis] = part
        return array[tuple(index)]
    fn(cut(out), *(cut(a) for a in arrays))
