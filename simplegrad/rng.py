"""The library's one random generator: seeded by `manual_seed`, used by init, dropout, shuffling."""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the global generator so the same seed gives the same models and training runs."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator():
    """The global `np.random.Generator` (changes when `manual_seed` is called)."""
    return _generator


def get_state():
    """The generator's state as a JSON-able dict (stored in checkpoints)."""
    return _generator.bit_generator.state


def set_state(state):
    """Restore a state from `get_state()` so the random stream continues exactly."""
    _generator.bit_generator.state = state
