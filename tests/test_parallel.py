"""simplegrad's own threads: the same bits for any number of threads, errors and nesting,
and two user threads at once."""
import threading
import time

import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor, nn, optim, parallel
from simplegrad.ops import conv, linalg
from simplegrad.optim import optimizer


@pytest.fixture
def threads():
    """Set the thread count for a test; restores the previous count afterwards."""
    before = parallel.get_num_threads()
    yield parallel.set_num_threads
    parallel.set_num_threads(before)


@pytest.fixture
def small_tasks(monkeypatch):
    """Cut even small arrays into many tasks, so a small model takes every parallel path."""
    monkeypatch.setattr(conv, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(conv, "POOL_CHUNK_BYTES", 2048)
    monkeypatch.setattr(parallel, "ELEMENTS_PER_TASK", 256)
    monkeypatch.setattr(linalg, "TASK_MACS", 512)
    monkeypatch.setattr(optimizer, "BLOCK", 512)


def _train(model_fn, x, labels, steps=4):
    sg.manual_seed(0)
    model = model_fn()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        opt.zero_grad()
        model(Tensor(x)).cross_entropy_loss(labels).backward()
        opt.step()
    return [p.data.copy() for p in model.parameters()]


def _cnn():
    return nn.Sequential([nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8 * 4 * 4, 10)])


def _mlp():
    return nn.Sequential([nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                          nn.Linear(128, 10)])


class _Attention(nn.Module):
    """A pre-norm attention block and a GELU MLP: layer norm, softmax, batched matmuls."""

    def __init__(self):
        super().__init__()
        self.norm, self.qkv, self.mlp = nn.LayerNorm(16), nn.Linear(16, 48), nn.Linear(16, 16)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        q, k, v = self.qkv(self.norm(x)).reshape(*x.shape[:2], 3, 4, 4).permute(2, 0, 3, 1, 4)
        mixed = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + mixed.transpose(1, 2).reshape(x.shape)
        return self.head((x + nn.functional.gelu(self.mlp(x))).mean(axis=1))


@pytest.mark.parametrize("model_fn, shape", [(_cnn, (24, 1, 16, 16)), (_mlp, (96, 64)),
                                             (_Attention, (24, 12, 16))],
                         ids=["cnn", "mlp", "attention"])
def test_training_gives_the_same_bits_with_1_2_and_3_threads(model_fn, shape, threads,
                                                             small_tasks):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    labels = rng.integers(0, 10, shape[0])
    results = []
    for count in (1, 2, 3):
        threads(count)
        results.append(_train(model_fn, x, labels))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_run_keeps_order_raises_the_first_error_and_runs_nested_calls_inline(threads):
    threads(3)
    assert parallel.run([lambda i=i: i * i for i in range(10)]) == [i * i for i in range(10)]
    with pytest.raises(ZeroDivisionError):
        parallel.run([lambda: 1, lambda: 1 / 0, lambda: 2])
    inner = parallel.run([lambda: parallel.run([lambda: 1, lambda: 2])] * 3)
    assert inner == [[1, 2]] * 3  # the pool is busy: the inner calls run where they are
    assert parallel.chunks(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]


def _interrupt():
    raise KeyboardInterrupt


def test_run_returns_only_when_every_task_has_finished(threads):
    """Also after a task is interrupted (Ctrl-C in a notebook): run re-raises it once the other
    tasks are done, and the next call waits for its own tasks, not a stale signal."""
    threads(3)
    for _ in range(30):
        done = []
        parallel.run([lambda i=i: (time.sleep(0.001 * (i % 3)), done.append(i)) for i in range(6)])
        assert sorted(done) == list(range(6))
    done = []
    with pytest.raises(KeyboardInterrupt):
        parallel.run([_interrupt] + [lambda i=i: (time.sleep(0.002), done.append(i))
                                     for i in range(4)])
    assert sorted(done) == list(range(4))
    later = []
    parallel.run([lambda i=i: (time.sleep(0.003), later.append(i)) for i in range(4)])
    assert sorted(later) == list(range(4))


def test_two_user_threads_training_at_once_match_one_after_the_other(threads, small_tasks):
    threads(2)
    rng = np.random.default_rng(1)
    x, labels = rng.standard_normal((24, 1, 16, 16)).astype(np.float32), np.arange(24) % 10
    alone = _train(_cnn, x, labels)
    results = [None, None]

    def train(i):
        results[i] = _train(_cnn, x, labels)

    workers = [threading.Thread(target=train, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for result in results:
        for a, b in zip(alone, result):
            np.testing.assert_array_equal(a, b)


def test_thread_counts_are_checked(threads):
    with pytest.raises(ValueError, match="whole number of threads >= 1"):
        parallel.set_num_threads(0)
    assert threads(2) == 2 and parallel.get_num_threads() == 2
