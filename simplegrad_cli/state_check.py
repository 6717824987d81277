"""Check a saved state against a fresh one before `--resume` loads it.

A checkpoint's optimizer, scheduler, data-loader and loop state is JSON written by us, but a
damaged or edited file can hold anything. The objects' own `load_state_dict` methods check
arrays and names, not whether a step counter is still a number, so a bad value would only
fail later, deep in training. Here every saved value must have the kind of the value in a
template built from fresh objects: numbers stay finite numbers, counters stay integers >= 0,
arrays keep their dtype, lists keep their length and mappings their keys.
"""
import math

import numpy as np


class Each:
    """A template for a mapping with any keys, every value shaped like `template`
    (an optimizer's per-parameter state, keyed by parameter index)."""

    def __init__(self, template):
        self.template = template


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def mismatch(template, saved, path=""):
    """The first 'key.path should be ...' where `saved` does not fit `template`, or None."""
    where = path or "state"
    if isinstance(template, Each) or isinstance(template, dict):
        if not isinstance(saved, dict):
            return f"{where} should be a mapping"
        if isinstance(template, Each):
            template = {key: template.template for key in saved}
        odd = sorted(template.keys() ^ saved.keys(), key=str)
        if odd:
            return f"{where}.{odd[0]} is {'missing' if odd[0] in template else 'unexpected'}"
        found = (mismatch(template[k], saved[k], f"{path}.{k}" if path else str(k))
                 for k in template)
        return next((f for f in found if f), None)
    if isinstance(template, (list, tuple)):
        if not isinstance(saved, list) or len(saved) != len(template):
            return f"{where} should be a list of {len(template)} values"
        found = (mismatch(a, b, f"{path}.{i}") for i, (a, b) in enumerate(zip(template, saved)))
        return next((f for f in found if f), None)
    if isinstance(template, np.ndarray):
        ok = isinstance(saved, np.ndarray) and saved.dtype == template.dtype
        return None if ok else f"{where} should be an array of {template.dtype}"
    if isinstance(template, (bool, str)):
        return None if type(saved) is type(template) else \
            f"{where} should be a {type(template).__name__}"
    if isinstance(template, int):  # counters: epochs, steps, positions, sizes, seeds
        ok = isinstance(saved, int) and not isinstance(saved, bool) and saved >= 0
        return None if ok else f"{where} should be an integer >= 0"
    ok = (saved is None and template is None) or _number(saved)  # rates; None = not yet known
    return None if ok else f"{where} should be a finite number"
