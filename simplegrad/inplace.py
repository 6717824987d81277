"""In-place writes, an add-on to the engine: `x[i] = v` and optimizer steps change arrays that a
graph may still need; this module lets backward (and the next op) notice instead of computing a
wrong gradient.

A global *clock* counts writes. Every graph node notes the clock when it is made, and every
Tensor when its value and its graph last agreed (`Tensor._clock`, 0 when it was made while no
recorded write was alive). Each write is remembered as the byte range it covered (or "all of
it"), under the array that owns the memory, so two cheap checks follow:

- `check_saved(node)`, at backward: was memory that `node` saved for backward written after the
  node was made? (`y = x.exp(); x[0] = 5; y.backward()` would use the new x.)
- `check_current(tensor)`, when a tensor is used: did a write *recorded in the graph* change the
  tensor's memory after the tensor was made? It is then an alias (a view, or the base of a view)
  whose values include the write but whose graph does not (`z = y.reshape(2, 2); y[0] = v;
  z.sum()`). PyTorch rebases such views; simplegrad refuses them. The check runs only while such
  writes are alive (`graph_writes` is not empty), so ordinary code never pays for it.
"""
import weakref

import numpy as np

clock = 0
_all_writes = {}    # id(owner array) -> (weakref to it, {byte range or WHOLE: clock})
graph_writes = {}   # the same, for writes recorded in the graph only
WHOLE = None        # the key of a write into all of the owner's memory (an optimizer step)


def byte_range(array):
    """The [start, end) addresses `array` can touch (empty for an empty array)."""
    start = end = array.__array_interface__["data"][0]
    if array.size == 0:
        return start, start
    for n, step in zip(array.shape, array.strides):
        if step < 0:
            start += (n - 1) * step
        else:
            end += (n - 1) * step
    return start, end + array.itemsize


def _owner(array):
    """The ndarray that owns `array`'s memory (the end of its chain of bases)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def is_view_index(index):
    """True for NumPy basic indexing (ints, slices, None, ...): `a[index]` is a view of `a`."""
    parts = index if isinstance(index, tuple) else (index,)
    return all((isinstance(p, (int, np.integer)) and not isinstance(p, bool))
               or isinstance(p, slice) or p is None or p is Ellipsis for p in parts)


def _region(array, index):
    """The part of `array` that `array[index] = ...` writes, as a view (all of it when the index
    is advanced, whose result would be a copy)."""
    if index is None or not is_view_index(index):
        return array
    parts = index if isinstance(index, tuple) else (index,)
    has_ellipsis = any(p is Ellipsis for p in parts)
    return array[parts if has_ellipsis else (*parts, Ellipsis)]  # `...` keeps a 0-d view


def _remember(table, array, index):
    """Note that `array[index]` (all of it for None) was written now; forgotten with the memory.
    Memory is known by the array that owns it: views share it only with their own chain."""
    owner = _owner(array)
    key = id(owner)
    entry = table.get(key)
    if entry is None or entry[0]() is not owner:
        entry = table[key] = (weakref.ref(owner, lambda _, key=key: table.pop(key, None)), {})
    whole = index is None and array is owner  # the common case: no address arithmetic
    entry[1][WHOLE if whole else byte_range(_region(array, index))] = clock


def mark_written(array, index=None, recorded=False):
    """Note an in-place write into `array` (at `index`, or all of it). `recorded`: the write is
    part of the graph (a setitem of values that need grad), so aliases made before it go stale."""
    global clock
    clock += 1
    _remember(_all_writes, array, index)
    if recorded:
        _remember(graph_writes, array, index)


def _written_since(table, since, array):
    """True when some write in `table` after clock `since` overlaps `array`'s memory."""
    owner = _owner(array)
    entry = table.get(id(owner))
    if entry is None or entry[0]() is not owner:
        return False
    span = None
    for written, written_at in list(entry[1].items()):
        if written_at <= since:
            continue
        if written is WHOLE:
            return True
        span = span or byte_range(array)
        if written[0] < span[1] and span[0] < written[1]:
            return True
    return False


def check_saved(node):
    """Raise if memory that `node` saved for backward was written after the node was made."""
    for saved in node.saved_tensors:
        if isinstance(saved, np.ndarray) and _written_since(_all_writes, node.clock, saved):
            raise RuntimeError(
                f"one of the arrays needed for gradient computation has been modified by an "
                f"inplace operation: {type(node).__name__} saved it before the write; "
                f"compute on a copy, or write before the forward pass")


def check_current(tensor):
    """Raise if a recorded in-place write changed `tensor`'s memory after `tensor` was made."""
    if _written_since(graph_writes, getattr(tensor, "_clock", 0), tensor.data):
        raise RuntimeError(
            f"a tensor of shape {tensor.shape} shares memory with a tensor that was written in "
            f"place after it was made (a view and its base), so its graph no longer describes "
            f"its values; simplegrad does not rebase views after a write, as PyTorch does. "
            f"Write before taking the view, or build the result out of place (where, cat)")
