"""simplegrad.parallel: contiguous pieces on a thread pool, and plain calls with one thread."""
import os
import signal
import threading
import time

import pytest

from simplegrad import parallel, threads


def _record(n, workers, monkeypatch, min_chunk=1):
    """The (start, stop, thread id) of every piece parallel_chunks(n, ...) runs."""
    monkeypatch.setattr(threads, "worker_count", lambda: workers)
    pieces, lock = [], threading.Lock()

    def fn(start, stop):
        with lock:
            pieces.append((start, stop, threading.get_ident()))

    parallel.parallel_chunks(n, fn, min_chunk)
    return sorted(pieces)


@pytest.mark.parametrize("n, workers", [(10, 3), (7, 2), (100, 4), (3, 3)])
def test_pieces_cover_the_range_once_in_order_on_several_threads(n, workers, monkeypatch):
    pieces = _record(n, workers, monkeypatch)
    assert len(pieces) == workers
    assert [p[0] for p in pieces] == [0] + [p[1] for p in pieces[:-1]]  # contiguous
    assert pieces[-1][1] == n and all(start < stop for start, stop, _ in pieces)
    assert pieces[0][2] == threading.get_ident()  # the caller does the first piece itself
    assert len({p[2] for p in pieces}) > 1


def test_one_thread_or_small_work_is_one_plain_call(monkeypatch):
    me = threading.get_ident()
    assert _record(10, 1, monkeypatch) == [(0, 10, me)]
    assert _record(10, 4, monkeypatch, min_chunk=6) == [(0, 10, me)]  # pieces would be < 6
    assert len(_record(12, 4, monkeypatch, min_chunk=6)) == 2
    assert _record(0, 4, monkeypatch) == [(0, 0, me)]


def test_an_exception_in_a_helper_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(threads, "worker_count", lambda: 2)

    def fn(start, stop):
        if start:
            raise ValueError(f"piece {start}")

    with pytest.raises(ValueError, match="piece 5"):
        parallel.parallel_chunks(10, fn)


def test_worker_count_follows_set_num_threads(monkeypatch):
    pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(threads, "_workers", None)
    assert threads.worker_count() == (threads.get_num_threads() or 1)  # BLAS's count at first use
    before = threads.get_num_threads()
    for name in threads.BLAS_ENV_VARS:  # set_num_threads exports them; restored after the test
        monkeypatch.setenv(name, "1")
    try:
        threads.set_num_threads(1)
        assert threads.worker_count() == 1
    finally:
        threads.set_num_threads(before)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_its_own_helper_threads(monkeypatch):
    """After fork the parent's pool threads are gone; the child must not wait for them."""
    monkeypatch.setattr(threads, "worker_count", lambda: 2)
    parallel.parallel_chunks(4, lambda start, stop: None)  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if both pieces ran
        done = []
        parallel.parallel_chunks(4, lambda start, stop: done.append(start))
        os._exit(0 if sorted(done) == [0, 2] else 1)
    for _ in range(200):  # up to 10 s
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung waiting for the parent's helper threads")
    assert os.waitstatus_to_exitcode(status) == 0
