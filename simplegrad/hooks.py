"""Hooks into the engine, beside it rather than in it: observers that see every op (anomaly
mode, recording values for pictures, tracing backward) and hooks on tensors (retain_grad,
register_hook). With none registered, the engine pays one test per op and per node.
"""
import contextlib
import itertools
import weakref

import numpy as np

# ---- observers: anomaly mode, recording values for pictures, tracing backward -------------
observers = []  # while not empty, every op and every backward step is reported to each one


class observe(contextlib.ContextDecorator):
    """Report the engine's work to `observer` inside this block (or decorated function):
    `observer.forward(ctx, arrays, out)` after each op's forward and
    `observer.backward(node, grad, in_grads)` after each node's backward. With no observer, the
    usual case, the engine pays one test of a list per op."""

    def __init__(self, observer):
        self.observer = observer

    def __enter__(self):
        observers.append(self.observer)
        return self.observer

    def __exit__(self, *exc):
        observers.remove(self.observer)


# ---- hooks on tensors: retain_grad and register_hook ------------------------------------
class RemovableHandle:
    """What a `register_*hook` returns: `handle.remove()` unregisters the hook."""

    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


_hook_ids = itertools.count()
leaf_hooks = {}  # id(leaf) -> (weakref to the leaf, {key: hook}); a node keeps its own


def register_hook(tensor, hook):
    """Call `hook(grad)` whenever backward computes `tensor`'s gradient (a read-only ndarray);
    if it returns an array, that array is used instead. Returns a RemovableHandle."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that does not require grad")
    if tensor.grad_fn is not None:
        node = tensor.grad_fn
        if node.hooks is None:
            node.hooks = {}
        hooks = node.hooks
    else:
        key = id(tensor)
        if key not in leaf_hooks or leaf_hooks[key][0]() is not tensor:
            leaf_hooks[key] = (weakref.ref(tensor, lambda _: leaf_hooks.pop(key, None)), {})
        hooks = leaf_hooks[key][1]
    handle_key = next(_hook_ids)
    hooks[handle_key] = hook
    return RemovableHandle(hooks, handle_key)


def retain_grad(tensor):
    """Let an intermediate tensor keep its gradient in `.grad` (after its hooks, accumulated
    over backward calls as a leaf's); leaves always do, so for them this does nothing."""
    node = tensor.grad_fn
    if node is None:
        return
    node.retains = weakref.ref(tensor)  # the node must not keep the tensor alive
    if node.hooks is None:
        node.hooks = {}


def _through(hooks, grad):
    """Pass `grad` through `hooks` ({key: hook}) in the order they were registered."""
    for hook in list(hooks.values()):
        replaced = hook(read_only(grad))
        if replaced is not None:
            grad = np.asarray(replaced)
    return grad


def run_node_hooks(node, grad):
    """The node's hooks; then, as in PyTorch, a tensor that retains its gradient gets it."""
    grad = _through(node.hooks, grad)
    owner = node.__dict__.get("retains")
    if owner is not None and owner() is not None:
        owner = owner()
        owner.grad = grad.copy() if owner.grad is None else np.asarray(owner.grad + grad)
    return grad


def run_leaf_hooks(leaf, grad):
    """The hooks registered on `leaf`, before its gradient is accumulated."""
    entry = leaf_hooks.get(id(leaf))
    return _through(entry[1], grad) if entry and entry[0]() is leaf else grad


def read_only(grad):
    """The upstream gradient as a read-only view, for a custom op's backward: the same array may
    be another branch's (Add hands one array to both inputs), and a backward that wrote into it
    would corrupt that branch silently. simplegrad's own ops are tested never to write into it."""
    grad = grad.view()  # the array itself stays writable for its owner
    grad.flags.writeable = False
    return grad
