"""The library's random generator: seeded by `manual_seed`, used by init, dropout, shuffling.

Each thread has a generator of its own, so two threads training two models at once draw the
same numbers as they would one after the other. `manual_seed` seeds the calling thread's; a
thread that never calls it gets a stream spawned from the last seed given (or from fresh
entropy), one stream per thread, never shared.
"""
import threading

import numpy as np

_local = threading.local()
_seeds = np.random.SeedSequence()  # spawns the streams of threads that set no seed
_lock = threading.Lock()


def manual_seed(seed):
    """Reseed this thread's generator so the same seed gives the same models and runs."""
    global _seeds
    _local.generator = np.random.default_rng(seed)
    with _lock:
        _seeds = np.random.SeedSequence(seed)
    return _local.generator


def generator():
    """This thread's `np.random.Generator` (a new one when `manual_seed` is called)."""
    try:
        return _local.generator
    except AttributeError:
        with _lock:
            child = _seeds.spawn(1)[0]
        _local.generator = np.random.default_rng(child)
        return _local.generator


def get_state():
    """The generator's state as a JSON-able dict (stored in checkpoints)."""
    return generator().bit_generator.state


def set_state(state):
    """Restore a state from `get_state()` so the random stream continues exactly."""
    generator().bit_generator.state = state
