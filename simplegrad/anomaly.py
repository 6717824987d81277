"""Where a NaN or an inf was born: the checks behind `simplegrad.detect_anomaly()`.

Inside `with detect_anomaly():` every op notes the line of *your* code that called it (the
first stack frame outside simplegrad) and the modules it ran in, and its output is checked:
the first op that turns finite inputs into a non-finite output raises `AnomalyError` naming
the op, that line, and its inputs' shapes and ranges. In backward, the first node that turns a
finite gradient into a non-finite one raises likewise, naming the forward line that made it
(PyTorch's anomaly mode names only the backward function). Outside the block nothing here
runs: the engine tests one integer per op.
"""
import os
import sys
import threading

import numpy as np

from simplegrad.hooks import observe

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_modules = threading.local()  # the stack of modules being called, per thread


class AnomalyError(RuntimeError):
    """A non-finite value made by an op from finite inputs. `op` is its Function's name,
    `origin` (file, line) the user code that called it, `modules` the modules it ran in,
    outermost first, and `phase` "forward" or "backward"."""

    def __init__(self, message, op, origin, modules, phase):
        super().__init__(message)
        self.op, self.origin, self.modules, self.phase = op, origin, modules, phase


def enter_module(module):
    """Note that `module` is being called (Module.__call__ does this in anomaly mode)."""
    stack = _modules.__dict__.setdefault("stack", [])
    stack.append(module)


def exit_module():
    _modules.stack.pop()


def caller():
    """(file, line) of the innermost frame outside simplegrad: the user's code."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


def describe(array):
    """'shape (2, 3), min -1, max 3.5, has nan': what an op received or returned."""
    array = np.asarray(array)
    if array.dtype.kind not in "fc" or array.size == 0:
        return f"shape {array.shape}"
    finite = array[np.isfinite(array)]
    bounds = f", min {finite.min():.4g}, max {finite.max():.4g}" if finite.size else ""
    flags = [word for word, test in (("nan", np.isnan), ("inf", np.isinf)) if test(array).any()]
    return f"shape {array.shape}{bounds}" + (f", has {' and '.join(flags)}" if flags else "")


def _finite(array):
    array = np.asarray(array)
    return array.dtype.kind not in "fc" or bool(np.isfinite(array).all())


def _where(origin, modules):
    place = f"{origin[0]}:{origin[1]}" if origin else "an unknown line"
    inside = " > ".join(type(m).__name__ for m in modules)
    return place + (f" (in {inside})" if inside else "")


def check_forward(ctx, arrays, out):
    """Remember where `ctx`'s op was called; raise if it made non-finite values from finite."""
    ctx.origin = caller()
    ctx.modules = tuple(getattr(_modules, "stack", ()))
    if _finite(out) or not all(_finite(a) for a in arrays if a is not None):
        return
    name = type(ctx).__name__
    inputs = "; ".join(f"input {i}: {describe(a)}" for i, a in enumerate(arrays)
                       if a is not None)
    raise AnomalyError(f"{name} produced non-finite values from finite inputs at "
                       f"{_where(ctx.origin, ctx.modules)}: output {describe(out)}; {inputs}",
                       name, ctx.origin, ctx.modules, "forward")


def check_backward(node, grad, in_grads):
    """Raise if `node`'s backward turned a finite gradient into a non-finite one."""
    if not _finite(grad) or all(g is None or _finite(g) for g in in_grads):
        return
    name = type(node).__name__
    bad = next(i for i, g in enumerate(in_grads) if g is not None and not _finite(g))
    origin, modules = getattr(node, "origin", None), getattr(node, "modules", ())
    raise AnomalyError(f"{name}.backward turned a finite gradient ({describe(grad)}) into a "
                       f"non-finite one for input {bad} ({describe(in_grads[bad])}); the "
                       f"forward op was called at {_where(origin, modules)}",
                       name, origin, modules, "backward")


class Checker:
    """The observer `detect_anomaly()` installs (see hooks.observe)."""

    forward = staticmethod(check_forward)
    backward = staticmethod(check_backward)


def detect_anomaly():
    """Find where a NaN or inf was born: inside this block (or decorated function) the first op
    that makes non-finite values from finite ones, in forward or backward, raises
    `AnomalyError` naming the op and your line of code. Slow: for debugging."""
    return observe(Checker())
