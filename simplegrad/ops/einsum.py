"""einsum: Einstein summation over any number of operands, with ellipsis, traces and diagonals.

Forward is np.einsum on the operands broadcast to common sizes (a size-1 axis broadcasts, as in
PyTorch). The gradient of operand i is again an einsum: the output gradient contracted with the
other operands onto operand i's letters; a letter that only operand i has is broadcast back,
a repeated letter (a trace, a diagonal) writes onto that diagonal, and a broadcast axis is
summed back to size 1.
"""
import string
from collections import Counter

import numpy as np

from simplegrad.autograd import Function, OpError


def _fail(equation, why):
    raise OpError(f"einsum {equation!r}: {why}")


def _explicit(equation, shapes):
    """(subscripts of each operand, output subscripts), letters only: each '...' becomes fresh
    letters (right-aligned across operands, as broadcasting) and an implicit output is the
    ellipsis then every letter used once, alphabetically (NumPy's and PyTorch's rule)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        _fail(equation, f"{len(subs)} operand subscript(s) for {len(shapes)} operand(s)")
    fresh = [c for c in string.ascii_letters if c not in eq]
    extra = []
    for sub, shape in zip(subs, shapes):
        letters = sub.replace("...", "", 1)
        if not all(c in string.ascii_letters for c in letters):
            _fail(equation, f"subscripts {sub!r} may hold only letters and one '...'")
        missing = len(shape) - len(letters)
        if missing < 0 or (missing and "..." not in sub):
            _fail(equation, f"subscripts {sub!r} do not fit an operand of shape {shape}")
        extra.append(missing)
    ellipsis = "".join(fresh[:max(extra, default=0)])
    subs = [sub.replace("...", ellipsis[len(ellipsis) - n:]) for sub, n in zip(subs, extra)]
    if not arrow:
        counts = Counter("".join(subs))
        out = ellipsis + "".join(sorted(c for c in counts if counts[c] == 1 and c not in ellipsis))
    else:
        out = out.replace("...", ellipsis, 1)
        if not all(c in string.ascii_letters for c in out) or len(set(out)) != len(out):
            _fail(equation, f"output subscripts {out!r} must be distinct letters")
        unknown = set(out) - set("".join(subs))
        if unknown:
            _fail(equation, f"output letter(s) {', '.join(sorted(unknown))} appear in no operand")
    return subs, out


def _sizes(equation, subs, shapes):
    """The size of every letter; a size-1 axis broadcasts against other operands (as PyTorch),
    any other mismatch, or a repeated letter of unequal sizes in one operand, is an error."""
    sizes = {}
    for sub, shape in zip(subs, shapes):
        own = {}
        for letter, n in zip(sub, shape):
            if own.setdefault(letter, n) != n:
                _fail(equation, f"letter {letter!r} is repeated in {sub!r} with sizes "
                                f"{own[letter]} and {n}")
            have = sizes.get(letter, 1)
            if n != 1 and have not in (1, n):
                _fail(equation, f"letter {letter!r} has sizes {have} and {n}")
            sizes[letter] = n if have == 1 else have
    return sizes


def _contract(equation, *arrays):
    """np.einsum as an ndarray, through BLAS (optimize) when there are several operands."""
    return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 1))


class Einsum(Function):
    """np.einsum(equation, *operands) with the gradient of every operand."""

    @staticmethod
    def forward(ctx, *operands, equation):
        shapes = [np.shape(a) for a in operands]
        subs, out = _explicit(equation, shapes)
        sizes = _sizes(equation, subs, shapes)
        full = [np.broadcast_to(a, [sizes[c] for c in sub]) for a, sub in zip(operands, subs)]
        ctx.save_for_backward(*full)
        ctx.subs, ctx.out, ctx.sizes, ctx.shapes = subs, out, sizes, shapes
        return _contract(",".join(subs) + "->" + out, *full)

    @staticmethod
    def backward(ctx, grad):
        return tuple(_operand_grad(ctx, grad, i) if needed else None
                     for i, needed in enumerate(ctx.needs_input_grad))


def _operand_grad(ctx, grad, i):
    """d(output)/d(operand i) contracted with `grad`, in operand i's own shape."""
    full, subs, sizes = ctx.saved_tensors, ctx.subs, ctx.sizes
    others = [j for j in range(len(subs)) if j != i]
    unique = "".join(dict.fromkeys(subs[i]))
    reachable = set(ctx.out).union(*(subs[j] for j in others))
    kept = "".join(c for c in unique if c in reachable)
    g = _contract(",".join([ctx.out] + [subs[j] for j in others]) + "->" + kept,
                  grad, *(full[j] for j in others))
    # letters only operand i has (summed away in forward): broadcast back along them
    g = g.reshape([sizes[c] if c in kept else 1 for c in unique])
    g = np.broadcast_to(g, [sizes[c] for c in unique])
    if len(unique) < len(subs[i]):  # a repeated letter: write onto the diagonal
        shape = [sizes[c] for c in subs[i]]
        out = np.zeros(shape, dtype=g.dtype)
        strides = [sum(out.strides[k] for k, c in enumerate(subs[i]) if c == u) for u in unique]
        np.lib.stride_tricks.as_strided(out, g.shape, strides)[...] = g
        g = out
    shape = ctx.shapes[i]
    summed = tuple(k for k, n in enumerate(shape) if n == 1 and g.shape[k] != 1)
    return g.sum(axis=summed, keepdims=True) if summed else np.ascontiguousarray(g)


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: `einsum("bij,bjk->bik", a, b)`; operands may also
    be given as one list. Supports '...', traces ("ii"), diagonals ("ii->i") and the implicit
    output (no '->')."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(*operands, equation=equation)
