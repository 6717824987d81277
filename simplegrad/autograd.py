"""The autograd engine, top to bottom: grad mode, `Function` (one recorded op), `backward`, and
the tracking of in-place writes that lets backward refuse stale saved arrays.

Every op is a `Function` subclass with static `forward(ctx, *arrays)` and `backward(ctx, grad)`.
`Function.apply` runs forward on the inputs' ndarrays and, when a gradient is needed, keeps the
`ctx` object as the output's `grad_fn`: a node that remembers its inputs' nodes and what forward
saved. `backward` then walks those nodes in reverse topological order.
"""
import weakref

import numpy as np

_grad_enabled = True


def is_grad_enabled():
    """True when ops record the graph (the default); False inside `no_grad()`."""
    return _grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        global _grad_enabled
        self.previous, _grad_enabled = _grad_enabled, self.enabled

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


def no_grad():
    """Build no graph inside this block (inference, optimizer updates): `with no_grad(): ...`."""
    return _GradMode(False)


def enable_grad():
    """Turn graph recording back on inside a `no_grad()` block."""
    return _GradMode(True)


# ---- the graph node ----------------------------------------------------------------------
class Function:
    """One differentiable op. Subclasses define static `forward` and `backward`.

    An instance is both the `ctx` that forward/backward receive and the graph node kept as the
    output's `grad_fn`. `next_functions[i]` is where input i's gradient goes: its `grad_fn`, the
    leaf Tensor itself (to accumulate `.grad`), or None when input i needs no gradient.
    """

    __slots__ = ("next_functions", "needs_input_grad", "saved_tensors", "out_shape", "out_dtype",
                 "clock", "__dict__")
    # A ValueError raised by NumPy in forward is re-raised with this message (formatted with
    # the input shapes and keyword arguments); None lets the error through unchanged.
    shape_error = None

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the output ndarray from input ndarrays; save what backward needs."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        """Given dLoss/dOutput, return dLoss/dInput for each positional input (None to skip)."""
        raise NotImplementedError

    def save_for_backward(self, *arrays):
        """Keep arrays for backward; a later in-place write into them is caught at backward."""
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors (or constants) and record it when a gradient is needed."""
        ctx = object.__new__(cls)
        ctx.saved_tensors = ()
        arrays, needs, nexts = [], [], []
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs.append(x.requires_grad)
                nexts.append((x.grad_fn or x) if x.requires_grad else None)
            else:  # a constant; NumPy scalars become Python numbers so float32 stays float32
                arrays.append(x.item() if isinstance(x, np.generic) else x)
                needs.append(False)
                nexts.append(None)
        ctx.needs_input_grad = needs = tuple(needs)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as error:  # free when nothing is raised
            if cls.shape_error is None:
                raise
            raise ValueError(_shape_message(cls.shape_error, arrays, kwargs)) from error
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if _grad_enabled and True in needs:
            ctx.next_functions, ctx.out_shape, ctx.clock = tuple(nexts), out.shape, _write_clock
            ctx.out_dtype = out.dtype  # for simplegrad.viz, which draws the graph
            return _make(out, True, ctx)
        return _make(out, False, None)


def _shape_message(template, arrays, kwargs):
    """Fill an op's `shape_error` with its input shapes ({0}, {1}, ... and {shapes}) and its
    keyword arguments, in place of NumPy's own wording."""
    shapes = [np.shape(a) for a in arrays]
    return template.format(*shapes, shapes=" and ".join(map(str, shapes)), **kwargs)


# ---- backward ----------------------------------------------------------------------------
def _unbroadcast(grad, shape):
    """Sum a gradient of a broadcast result back to the shape of the input it came from."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad if type(grad) is np.ndarray else np.asarray(grad)  # a full sum gives a scalar


def _topological_order(root):
    """Nodes reachable from `root`, each before all the nodes it feeds (iterative DFS)."""
    order, visited = [], {root}
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        stack.append((node, True))
        if node.next_functions is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved arrays were "
                "freed by the first backward(). Pass retain_graph=True to the first call.")
        for nxt in node.next_functions:
            if nxt is not None and not isinstance(nxt, Tensor) and nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, False))
    order.reverse()
    return order


def backward(tensor, grad=None, retain_graph=False):
    """Reverse-mode autodiff from `tensor`: accumulate d(tensor)/d(leaf) into each leaf's `.grad`."""
    if not tensor.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad and has no grad_fn")
    if grad is None:
        grad = np.ones(tensor.shape, dtype=tensor.dtype)
    else:
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=tensor.dtype)
        if grad.shape != tensor.shape:
            raise ValueError(f"backward(): grad has shape {grad.shape}, expected {tensor.shape}")
    if tensor.grad_fn is None:  # a leaf: its gradient with respect to itself
        _accumulate(tensor, grad, None)
        return
    root = tensor.grad_fn
    grads = {root: grad}
    for node in _topological_order(root):
        g = grads.pop(node, None)
        if g is None:
            continue
        if g.shape != node.out_shape:  # contributions from broadcasting consumers
            g = _unbroadcast(g, node.out_shape)
        if node.saved_tensors and node.clock != _write_clock:
            _check_saved_arrays(node)
        in_grads = node.backward(node, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for nxt, ig in zip(node.next_functions, in_grads):
            if nxt is None or ig is None:
                continue
            if type(ig) is not np.ndarray:
                ig = np.asarray(ig)
            if isinstance(nxt, Tensor):
                _accumulate(nxt, ig, g)
            elif nxt in grads:
                grads[nxt] = grads[nxt] + ig
            else:
                grads[nxt] = ig
        if not retain_graph:  # free what forward saved; the node can no longer run
            node.next_functions = None
            node.saved_tensors = ()
            node.__dict__.clear()


def _accumulate(leaf, grad, upstream):
    """Add `grad` into `leaf.grad`, never writing into an array someone else may hold."""
    if grad.shape != leaf.data.shape:
        grad = _unbroadcast(grad, leaf.data.shape)
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        # Aliasing rule: a leaf's .grad must be an array of its own, since users write into it
        # in place (`p.grad *= 0.5`, `p.grad[0] = 0`). What an op's backward returns may be
        # shared: the upstream gradient itself (Add hands the same array to both inputs, so
        # two leaves would share one .grad) or a view of another array (Sum's read-only
        # broadcast_to, a reshape). So the first gradient is copied unless it is a fresh array
        # (it owns its data and is not the upstream one).
        if grad is upstream or not grad.flags.owndata:
            grad = grad.copy()
        leaf.grad = grad
    else:  # a new array, not +=: the old .grad may be held by the user or an optimizer
        total = leaf.grad + grad
        leaf.grad = total if type(total) is np.ndarray else np.asarray(total)  # 0-d stays array


# ---- in-place writes ---------------------------------------------------------------------
# A global clock counts in-place writes, and each written array remembers when it was last
# written. A node notes the clock when it is made; at backward, if the clock has moved, it checks
# whether any array written since then shares memory with what it saved (views included).
_write_clock = 0
_last_writes = {}  # id(array) -> (weakref to the array, clock of its last write)


def mark_written(array):
    """Record an in-place write into `array`, so that backward can catch stale saved arrays."""
    global _write_clock
    _write_clock += 1
    key = id(array)
    entry = _last_writes.get(key)
    ref = entry[0] if entry else weakref.ref(array, lambda _, key=key: _last_writes.pop(key, None))
    _last_writes[key] = (ref, _write_clock)


def _check_saved_arrays(node):
    """Raise if memory that `node` saved for backward was written after the node was made."""
    for ref, clock in list(_last_writes.values()):
        written = ref()
        if clock > node.clock and written is not None and any(
                isinstance(s, np.ndarray) and np.may_share_memory(s, written)
                for s in node.saved_tensors):
            raise RuntimeError(
                f"one of the arrays needed for gradient computation has been modified by an "
                f"inplace operation: {type(node).__name__} saved it before the write; "
                f"compute on a copy, or write before the forward pass")


from simplegrad.tensor import Tensor  # noqa: E402  (tensor.py imports this module first)

_make = Tensor._make  # Function.apply's way to wrap its output (one lookup per op, not two)
