"""The autograd engine: `Function` (one recorded op), grad mode, and `backward`.

Every op is a `Function` subclass with static `forward(ctx, *arrays)` and `backward(ctx, grad)`.
`Function.apply` runs forward on the inputs' ndarrays and, when a gradient is needed, keeps the
`ctx` object as the output's `grad_fn`: a node that remembers its inputs' nodes and what forward
saved. `backward` then walks those nodes in reverse topological order.
"""
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


class Function:
    """One differentiable op. Subclasses define static `forward` and `backward`.

    An instance is both the `ctx` that forward/backward receive and the graph node kept as the
    output's `grad_fn`. `next_functions[i]` is where input i's gradient goes: its `grad_fn`, the
    leaf Tensor itself (to accumulate `.grad`), or None when input i needs no gradient.
    """

    __slots__ = ("next_functions", "needs_input_grad", "input_shapes", "saved_tensors",
                 "_saved_versions", "__dict__")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the output ndarray from input ndarrays; save what backward needs."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        """Given dLoss/dOutput, return dLoss/dInput for each positional input (None to skip)."""
        raise NotImplementedError

    def save_for_backward(self, *arrays):
        """Keep arrays for backward; writing into their tensors later is caught at backward."""
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors (or constants) and record it when a gradient is needed."""
        ctx = cls.__new__(cls)
        ctx.saved_tensors = ()
        needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in inputs])
        ctx.needs_input_grad = needs
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if not (_grad_enabled and True in needs):
            return Tensor._make(out, False, None)
        ctx.next_functions = tuple([(x.grad_fn or x) if n else None
                                    for x, n in zip(inputs, needs)])
        ctx.input_shapes = tuple([x.data.shape if n else None for x, n in zip(inputs, needs)])
        result = Tensor._make(out, True, ctx)
        if ctx.saved_tensors:
            _record_versions(ctx, inputs, result)
        if ctx.is_view and np.may_share_memory(out, arrays[0]):
            result._version = inputs[0]._version_counter()  # a write to either one is seen
        return result

    is_view = False  # movement ops whose output may share memory with input 0 set this True


def _record_versions(ctx, inputs, result):
    """Note the version of every tensor whose array forward saved, to catch later writes."""
    saved = [id(a) for a in ctx.saved_tensors]
    ctx._saved_versions = [(c, c[0]) for t in (*inputs, result)
                           if isinstance(t, Tensor) and id(t.data) in saved
                           for c in (t._version_counter(),)]


def _unbroadcast(grad, shape):
    """Sum a gradient of a broadcast result back to the shape of the input it came from."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


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
        if node.saved_tensors:
            _check_versions(node)
        in_grads = node.backward(node, g)
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        for nxt, ig, shape in zip(node.next_functions, in_grads, node.input_shapes):
            if nxt is None or ig is None:
                continue
            if type(ig) is not np.ndarray:
                ig = np.asarray(ig)
            if ig.shape != shape:
                ig = _unbroadcast(ig, shape)
            if isinstance(nxt, Tensor):
                _accumulate(nxt, ig, g)
            elif nxt in grads:
                grads[nxt] = grads[nxt] + ig
            else:
                grads[nxt] = ig
        if not retain_graph:
            node.next_functions = None
            node.saved_tensors = ()
            node.__dict__.clear()


def _check_versions(node):
    """Raise if a tensor whose array `node` saved was written in place after it was saved."""
    for counter, version in node._saved_versions:
        if counter[0] != version:
            raise RuntimeError(
                f"one of the arrays needed for gradient computation has been modified by an "
                f"inplace operation: {type(node).__name__} saved it at version {version}, "
                f"it is now at version {counter[0]}")


def _accumulate(leaf, grad, upstream):
    """Add `grad` into `leaf.grad`, never writing into an array someone else may hold."""
    if grad.dtype != leaf.data.dtype:
        grad = grad.astype(leaf.data.dtype)
    if leaf.grad is None:
        if grad is upstream or not grad.flags.owndata:
            grad = grad.copy()
        leaf.grad = grad
    else:
        leaf.grad = leaf.grad + grad


from simplegrad.tensor import Tensor  # noqa: E402  (tensor.py imports this module first)
