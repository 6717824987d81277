"""The autograd engine, top to bottom: grad mode, `Function` (one recorded op) and `backward`.

Every op is a `Function` subclass with static `forward(ctx, *arrays)` and `backward(ctx, grad)`.
`Function.apply` runs forward on the inputs' ndarrays and, when a gradient is needed, keeps the
`ctx` object as the output's `grad_fn`: a node that remembers where its inputs came from and
what forward saved. `backward` then runs the nodes from the output back to the leaves, each one
only after every node it feeds has handed it its gradient (reverse topological order).

This module knows tensors only through `use_tensor_class`, which `tensor.py` calls once, so the
engine imports nothing else of the library (and the ops can import it without a circle).
"""
import functools
import inspect
import threading

import numpy as np

from simplegrad import hooks, inplace
from simplegrad.hooks import observers

Tensor = _make = None  # the Tensor class and its fast constructor, set by use_tensor_class
_graph_writes = inplace.graph_writes  # the same dict: one lookup fewer per op


def use_tensor_class(cls):
    """Tell the engine which class wraps op outputs (called once, by simplegrad/tensor.py)."""
    global Tensor, _make
    Tensor, _make = cls, cls._make


# ---- grad mode: on by default, per thread ------------------------------------------------
class _GradState(threading.local):
    enabled = True  # each thread starts with grad mode on, as in PyTorch


_grad_state = _GradState()
_threads_without_grad = 0  # while 0, every thread records: ops skip the per-thread lookup
_mode_lock = threading.Lock()


def is_grad_enabled():
    """True when ops record the graph (the default); False inside `no_grad()` (this thread)."""
    return _grad_state.enabled


def _set_grad_enabled(enabled):
    """Set this thread's grad mode, keeping count of the threads that have it off."""
    global _threads_without_grad
    with _mode_lock:
        _threads_without_grad += _grad_state.enabled - bool(enabled)
        _grad_state.enabled = bool(enabled)


class _GradMode:
    """Context manager and decorator that sets this thread's grad mode and restores it."""

    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.previous = _grad_state.enabled
        _set_grad_enabled(self.enabled)

    def __exit__(self, *exc):
        _set_grad_enabled(self.previous)

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, self.enabled)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradMode(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def _generator_in_mode(fn, enabled):
    """Decorate a generator function: its body runs in the mode at every resumption, while the
    caller's code between two `next()` calls keeps the caller's own mode."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        generator = fn(*args, **kwargs)
        resume, value = generator.send, None
        while True:
            try:
                with _GradMode(enabled):
                    item = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                value, resume = (yield item), generator.send
            except GeneratorExit:
                generator.close()
                raise
            except BaseException as error:  # noqa: B036  (thrown in: pass it to the body)
                value, resume = error, generator.throw
    return wrapper


def no_grad():
    """Build no graph inside this block (inference, optimizer updates): `with no_grad(): ...`."""
    return _GradMode(False)


def enable_grad():
    """Turn graph recording back on inside a `no_grad()` block."""
    return _GradMode(True)


# ---- the graph node ----------------------------------------------------------------------
class OpError(ValueError):
    """An op's own message about its inputs, raised from forward and shown as it is (other
    ValueErrors from NumPy are reworded with the op's `shape_error`)."""


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
    hooks = None  # {key: hook} once register_hook or retain_grad asks for this node's gradient
    built_in = False  # True for simplegrad's own ops: tested never to write into `grad`

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.built_in = cls.__module__.startswith("simplegrad.")

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
        stale_check = _graph_writes  # empty (false) unless a recorded write is alive
        for x in inputs:
            if isinstance(x, Tensor):
                if stale_check:
                    inplace.check_current(x)
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
            if cls.shape_error is None or isinstance(error, OpError):
                raise
            raise ValueError(_shape_message(cls.shape_error, arrays, kwargs)) from error
        except TypeError as error:  # NumPy's "ufunc 'add' did not contain a loop ..."
            bad = next((a for a in arrays if not _is_numeric(a)), None)
            if bad is None:
                raise
            raise TypeError(f"{cls.__name__.lower()}: cannot use {type(bad).__name__} "
                            f"{bad!r:.40} as an operand; expected a Tensor, an ndarray or a "
                            f"number") from error
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if observers:
            for observer in observers:
                observer.forward(ctx, arrays, out)
        if True in needs and (not _threads_without_grad or _grad_state.enabled):
            ctx.next_functions, ctx.out_shape, ctx.clock = tuple(nexts), out.shape, inplace.clock
            ctx.out_dtype = out.dtype  # for simplegrad.viz, which draws the graph
            return _make(out, True, ctx)
        return _make(out, False, None)


def _is_numeric(value):
    """True for numbers, arrays of numbers and None (an optional input); False for strings,
    objects and the like, which no op can use."""
    return value is None or np.asarray(value).dtype.kind in "biufc"


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
    """Every node `root` depends on, each before all the nodes that feed it gradient.

    micrograd's recursive `build_topo`, written with an explicit stack so a 100,000-op chain
    does not overflow Python's: a node is appended only after every node it reads from has
    been, then the list is reversed. (Marking a node as done when it is first *seen*, instead
    of when its inputs are finished, would let `z` in `z + f(z)` run before `f`'s gradient has
    reached it: a bug simplegrad had until version 0.2.)"""
    order, seen, stack = [], {root}, [(root, iter(root.next_functions or _freed()))]
    while stack:
        node, inputs = stack[-1]
        for nxt in inputs:
            if isinstance(nxt, Function) and nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(nxt.next_functions or _freed())))
                break
        else:  # every input of `node` is in `order`: now `node` may follow
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def _freed():
    """A node's inputs are None once backward has freed it: say so."""
    raise RuntimeError("Trying to backward through the graph a second time: its saved arrays "
                       "were freed by the first backward(). Pass retain_graph=True to the first "
                       "call.")


def backward(tensor, grad=None, retain_graph=False):
    """Reverse-mode autodiff from `tensor`: accumulate d(tensor)/d(leaf) into each leaf's `.grad`.

    Nodes run in topological order, so a node shared by several paths (the input of a residual
    block `x + f(x)`) has received the gradient of every path before it passes it on."""
    if not tensor.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad and has no grad_fn")
    if _graph_writes:
        inplace.check_current(tensor)
    if grad is None:
        if tensor.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a tensor of one element "
                               f"(a loss), got shape {tensor.shape}: pass the gradient of "
                               f"the output, e.g. t.backward(np.ones({tensor.shape})), or "
                               f"reduce it first (t.sum().backward())")
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
        g = grads.pop(node, None)  # None: no path from the output carried a gradient here
        if g is not None:
            if node.hooks is not None:
                g = hooks.run_node_hooks(node, g)
            if node.saved_tensors and node.clock != inplace.clock:
                inplace.check_saved(node)  # did an in-place write change what it saved?
            if not node.built_in:  # a custom op: see hooks.read_only
                g = hooks.read_only(g)
            in_grads = node.backward(node, g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if len(in_grads) != len(node.next_functions):
                in_grads = _one_per_input(node, in_grads)
            if observers:
                for observer in observers:
                    observer.backward(node, g, in_grads)
            for i, (nxt, ig) in enumerate(zip(node.next_functions, in_grads)):
                if nxt is None or ig is None:
                    continue
                if isinstance(nxt, Function):
                    if type(ig) is not np.ndarray or ig.shape != nxt.out_shape:
                        ig = _checked(ig, nxt.out_shape, node, i)
                    grads[nxt] = _add(grads[nxt], ig) if nxt in grads else ig
                else:
                    _accumulate(nxt, _checked(ig, nxt.data.shape, node, i), g)
        if not retain_graph:  # free what forward saved; the node can no longer run
            node.next_functions = None
            node.saved_tensors = ()
            node.__dict__.clear()


def _one_per_input(node, in_grads):
    """Trailing Nones are dropped (optional inputs that were not given, as in PyTorch); any
    other count of gradients is a bug in the op's backward."""
    count = len(node.next_functions)
    if len(in_grads) > count and all(g is None for g in in_grads[count:]):
        return in_grads[:count]
    raise RuntimeError(f"{type(node).__name__}.backward returned {len(in_grads)} gradient(s), "
                       f"expected {count}: one per input of forward (None for an input that "
                       f"needs none)")


def _checked(grad, shape, node, i):
    """`grad`, returned by node.backward for input i, as an ndarray of the input's `shape`.

    Ops may return the gradient of a broadcast result; it is summed back here, each
    contribution on its own (summing first would count a smaller one once per broadcast row).
    Any other shape is a bug in the op's backward, reported rather than broadcast."""
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0 or any(n != 1 and n != m for n, m in zip(shape, grad.shape[extra:])):
        raise RuntimeError(
            f"{type(node).__name__}.backward returned a gradient of shape {grad.shape} for "
            f"input {i}, whose shape is {shape} (expected that shape, or one it broadcasts to)")
    return _unbroadcast(grad, shape)


def _add(a, b):
    """a + b as a new ndarray (adding two 0-d arrays gives a NumPy scalar: wrap it back)."""
    total = a + b
    return total if type(total) is np.ndarray else np.asarray(total)


def _accumulate(leaf, grad, upstream):
    """Add `grad` into `leaf.grad`, never writing into an array someone else may hold."""
    if hooks.leaf_hooks:
        grad = hooks.run_leaf_hooks(leaf, grad)
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        # Aliasing rule: a leaf's .grad must be an array of its own, since users write into it
        # in place (`p.grad *= 0.5`, `p.grad[0] = 0`). What an op's backward returns may be
        # shared: the upstream gradient itself (Add hands the same array to both inputs, so
        # two leaves would share one .grad) or a view of another array (Sum's read-only
        # broadcast_to, a reshape). So the first gradient is copied unless it is a fresh array
        # (it owns its data, is writable and is not the upstream one).
        if grad is upstream or not grad.flags.owndata or not grad.flags.writeable:
            grad = grad.copy()
        leaf.grad = grad
    else:  # a new array, not +=: the old .grad may be held by the user or an optimizer
        leaf.grad = _add(leaf.grad, grad)
