"""Each thread draws from a generator of its own: two threads seeding and training at once get
the numbers they would get one after the other."""
import threading

import numpy as np

from simplegrad import Tensor, manual_seed, nn, optim, rng
from simplegrad.nn import functional as F


def _train(seed):
    """A small model with dropout, trained a few steps from `seed`: its final weights."""
    manual_seed(seed)
    model = nn.Sequential([nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2)])
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = Tensor(rng.generator().standard_normal((32, 4)).astype(np.float32))
    for _ in range(20):
        opt.zero_grad()
        F.cross_entropy(model(x), np.arange(32) % 2).backward()
        opt.step()
    return [p.data.copy() for p in model.parameters()]


def test_two_threads_training_at_once_match_one_after_the_other():
    sequential = [_train(1), _train(2)]
    results = {}
    start = threading.Barrier(2)

    def run(seed):
        start.wait()
        results[seed] = _train(seed)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed, expected in zip((1, 2), sequential):
        for got, want in zip(results[seed], expected):
            np.testing.assert_array_equal(got, want)


def test_a_thread_without_a_seed_gets_its_own_stream_spawned_from_the_last_seed():
    manual_seed(5)
    mine = rng.generator().random(3)
    drawn = []
    t = threading.Thread(target=lambda: drawn.append(rng.generator().random(3)))
    t.start()
    t.join()
    assert not np.array_equal(drawn[0], mine)  # not this thread's stream
    manual_seed(5)
    np.testing.assert_array_equal(rng.generator().random(3), mine)  # this thread: reseeded
