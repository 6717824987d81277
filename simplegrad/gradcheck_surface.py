"""The op cases of the PyTorch-style Tensor surface: elementwise math, reductions and
scans, sorting and selection, shape and indexing ops, written as PyTorch code where the two
libraries agree (`SAME`). The same OpCase rows as simplegrad.testing, kept apart so that
`simplegrad gradcheck` stays a short check of the core ops and layers;
tests/ops/test_torch_surface.py runs them.

Inputs keep away from kinks and jumps (sort and max see distinct values, rounding functions
non-integers, scatter_reduce's amax no ties), so central differences are meaningful.
"""
import numpy as np

from simplegrad.testing import SAME, OpCase, draw


def _unit(shape, seed=0):
    """Values in (-0.9, 0.9): the domain of asin, acos and atanh."""
    return np.random.default_rng(seed).uniform(-0.9, 0.9, shape)


def _unary_cases():
    a, pos, away = draw("normal", (3, 4)), draw("positive", (3, 4)), draw("away", (3, 4))
    domains = {"unit": _unit((3, 4)), "positive": pos, "above_one": pos + 1.0, "away": away}
    rows = [("sin", "normal"), ("cos", "normal"), ("tan", "unit"), ("asin", "unit"),
            ("acos", "unit"), ("atan", "normal"), ("sinh", "normal"), ("cosh", "normal"),
            ("asinh", "normal"), ("acosh", "above_one"), ("atanh", "unit"), ("erf", "normal"),
            ("log2", "positive"), ("log10", "positive"), ("exp2", "normal"), ("log1p", "positive"),
            ("expm1", "normal"), ("rsqrt", "positive"), ("reciprocal", "away"),
            ("square", "normal"), ("sign", "away"), ("floor", "normal"), ("ceil", "normal"),
            ("round", "normal"), ("trunc", "normal"), ("frac", "normal")]
    return [OpCase(name, (lambda x, name=name: getattr(x, name)()),
                   (domains.get(domain, a) * (2.3 if name in ("floor", "ceil", "round", "trunc",
                                                              "frac") else 1),),
                   SAME, domain) for name, domain in rows]


def _binary_cases():
    a, b = draw("normal", (3, 4)), draw("normal", (3, 4), 1)
    pos, away = draw("positive", (3, 4), 2), draw("away", (3, 4), 3)
    lo, hi = a - 0.5 - 0.2 * np.abs(b), a + 0.5 + 0.2 * np.abs(b)
    return [
        OpCase("logaddexp", lambda x, y: x.logaddexp(y), (a, b * 3), SAME),
        OpCase("remainder", lambda x, y: x.remainder(y), (a * 3, pos), SAME),
        OpCase("mod", lambda x, y: x % y, (a * 3, -pos), SAME),
        OpCase("fmod", lambda x, y: x.fmod(y), (a * 3, pos), SAME),
        OpCase("copysign", lambda x, y: x.copysign(y), (away, away[::-1]), SAME),
        OpCase("floor_divide", lambda x, y: x.floor_divide(y), (a * 3, pos),
               lambda t, x, y: t.div(x, y, rounding_mode="floor")),
        OpCase("div_trunc", lambda x, y: x.div(y, rounding_mode="trunc"), (a * 3, pos), SAME),
        OpCase("lerp", lambda x, y, w: x.lerp(y, w), (a, b, draw("normal", 4, 4)), SAME),
        OpCase("clamp_tensors", lambda x, l, h: x.clamp(l, h),
               (a + np.where(b > 0, 0.8, -0.8), lo, hi), SAME),
        OpCase("clamp_min", lambda x, l: x.clamp(min=l), (a + np.where(b > 0, 0.8, -0.8), lo),
               SAME),
        OpCase("add_alpha", lambda x, y: x.add(y, alpha=2.5), (a, b), SAME),
    ]


def _reduction_cases():
    a, m = draw("normal", (3, 4)), draw("normal", (2, 3, 4), 1)
    with_zeros = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 1.0], [2.0, -0.5, 1.0, 1.5]])
    distinct = np.random.default_rng(5).permutation(12).reshape(3, 4) * 0.25 - 1.0
    return [
        OpCase("prod", lambda x: x.prod(dim=1), (a,), SAME),
        OpCase("prod_zeros", lambda x: x.prod(dim=-1, keepdim=True), (with_zeros,), SAME),
        OpCase("prod_all", lambda x: x.prod(), (a,), SAME),
        OpCase("std", lambda x: x.std(dim=1, correction=1), (a,), SAME),
        OpCase("std_all", lambda x: x.std(unbiased=False), (a,), SAME),
        OpCase("var_unbiased", lambda x: x.var(dim=(0, 2), unbiased=True, keepdim=True), (m,),
               SAME),
        OpCase("var_mean", lambda x: x.var_mean(dim=0, correction=0)[0] * 2
               + x.var_mean(dim=0, correction=0)[1], (a,),
               lambda t, x: t.var_mean(x, dim=0, correction=0)[0] * 2
               + t.var_mean(x, dim=0, correction=0)[1]),
        OpCase("std_mean", lambda x: x.std_mean(dim=-1, correction=1)[0]
               - x.std_mean(dim=-1, correction=1)[1], (a,),
               lambda t, x: t.std_mean(x, dim=-1, correction=1)[0]
               - t.std_mean(x, dim=-1, correction=1)[1]),
        OpCase("norm", lambda x: x.norm(), (a,), SAME),
        OpCase("norm_1", lambda x: x.norm(p=1, dim=1), (draw("away", (3, 4)),), SAME, "away"),
        OpCase("norm_inf", lambda x: x.norm(p=float("inf"), dim=0), (distinct,), SAME),
        OpCase("norm_3", lambda x: x.norm(p=3, dim=-1, keepdim=True), (a,), SAME),
        OpCase("amax", lambda x: x.amax(dim=(0, -1)), (m,), SAME),
        OpCase("amin", lambda x: x.amin(dim=1, keepdim=True), (a,), SAME),
        OpCase("max_dim", lambda x: x.max(dim=1).values, (distinct,), SAME),
        OpCase("max_dim_keep", lambda x: x.max(-1, keepdim=True)[0], (distinct,), SAME),
        OpCase("min_dim", lambda x: x.min(0).values, (distinct,), SAME),
        OpCase("max_binary", lambda x, y: x.max(y), (distinct, distinct[::-1] + 0.1), SAME),
        OpCase("median", lambda x: x.median(), (distinct,), SAME),
        OpCase("median_dim", lambda x: x.median(dim=-1).values, (distinct,), SAME),
        OpCase("cumsum", lambda x: x.cumsum(1), (a,), SAME),
        OpCase("cumsum_neg", lambda x: x.cumsum(-3), (m,), SAME),
        OpCase("cumprod", lambda x: x.cumprod(dim=1), (a,), SAME),
        OpCase("cumprod_zeros", lambda x: x.cumprod(dim=-1), (with_zeros,), SAME),
        OpCase("logcumsumexp", lambda x: x.logcumsumexp(dim=1), (a * 5,), SAME),
        OpCase("cummax", lambda x: x.cummax(dim=1).values, (distinct,), SAME),
        OpCase("cummin", lambda x: x.cummin(0)[0], (distinct,), SAME),
        OpCase("sort", lambda x: x.sort(dim=1).values, (distinct,), SAME),
        OpCase("sort_descending", lambda x: x.sort(dim=0, descending=True)[0], (distinct,), SAME),
        OpCase("topk", lambda x: x.topk(2).values, (distinct,), SAME),
        OpCase("topk_smallest", lambda x: x.topk(2, dim=0, largest=False)[0], (distinct,), SAME),
    ]


def _shape_cases():
    import simplegrad as sg

    a, m, v = draw("normal", (3, 4)), draw("normal", (2, 3, 4), 1), draw("normal", 4, 2)
    col = draw("normal", (3, 1), 3)

    def pad(mode, amounts, value=None):
        return OpCase(f"pad_{mode}_{'_'.join(map(str, amounts))}".replace("-", "m"),
                      lambda x: sg.nn.functional.pad(x, amounts, mode, value), (m,),
                      lambda t, x: t.nn.functional.pad(x, amounts, mode, value))

    def weighted(tensors):  # pieces scaled differently, so each piece's gradient differs
        return [piece * (i + 1) for i, piece in enumerate(tensors)]

    return [
        OpCase("view", lambda x: x.view(4, -1), (a,), SAME),
        OpCase("view_as", lambda x, y: x.view_as(y) * y, (a, draw("normal", (2, 6))), SAME),
        OpCase("expand", lambda x: x.expand(2, 3, 5), (col,), SAME),
        OpCase("expand_as", lambda x, y: x.expand_as(y) * y, (v, a), SAME),
        OpCase("repeat", lambda x: x.repeat(2, 1, 3), (a,), SAME),
        OpCase("repeat_interleave", lambda x: x.repeat_interleave(2, dim=1), (a,), SAME),
        OpCase("repeat_interleave_counts", lambda x: x.repeat_interleave(np.array([1, 0, 3, 2])),
               (v,), lambda t, x: x.repeat_interleave(t.tensor([1, 0, 3, 2]))),
        OpCase("flip", lambda x: x.flip(0, -1), (m,), SAME),
        OpCase("roll", lambda x: x.roll((1, -2), (0, -1)), (a,), SAME),
        OpCase("roll_flat", lambda x: x.roll(5), (a,), SAME),
        pad("constant", (1, 2)), pad("constant", (2, -1, -1, 1), 0.5),
        pad("reflect", (2, 3)), pad("reflect", (1, 1, 2, 0)),
        pad("replicate", (3, 1, 0, 2)), pad("circular", (2, 4, 1, 0)),
        pad("circular", (-1, 2)),
        OpCase("chunk", lambda x: sg.cat(weighted(x.chunk(3, dim=1)), 1), (a,),
               lambda t, x: t.cat(weighted(x.chunk(3, dim=1)), 1)),
        OpCase("split", lambda x: sg.cat(weighted(x.split([1, 2], dim=-2)), -2), (m,),
               lambda t, x: t.cat(weighted(x.split([1, 2], dim=-2)), -2)),
        OpCase("split_size", lambda x: sg.cat(weighted(x.split(3, 1)), 1), (a,),
               lambda t, x: t.cat(weighted(x.split(3, 1)), 1)),
        OpCase("unbind", lambda x: sg.stack(weighted(x.unbind(1)), 0), (a,),
               lambda t, x: t.stack(weighted(x.unbind(1)), 0)),
        OpCase("select", lambda x: x.select(-1, 2), (m,), SAME),
        OpCase("narrow", lambda x: x.narrow(1, 1, 2), (m,), SAME),
        OpCase("unflatten", lambda x: x.unflatten(1, (2, -1)), (a,), SAME),
        OpCase("flatten_range", lambda x: x.flatten(0, 1), (m,), SAME),
        OpCase("unfold", lambda x: x.unfold(-1, 2, 1), (m,), SAME),
        OpCase("unfold_step", lambda x: x.unfold(0, 2, 2), (draw("normal", (5, 2)),), SAME),
        OpCase("tril", lambda x: x.tril(), (a,), SAME),
        OpCase("triu", lambda x: x.triu(1), (m,), SAME),
        OpCase("tril_negative", lambda x: x.tril(-1), (a,), SAME),
        OpCase("diagonal", lambda x: x.diagonal(), (a,), SAME),
        OpCase("diagonal_offset", lambda x: x.diagonal(1, 0, 2), (m,), SAME),
        OpCase("diag_vector", lambda x: x.diag(1), (v,), SAME),
        OpCase("diag_matrix", lambda x: x.diag(-1), (a,), SAME),
        OpCase("movedim", lambda x: x.movedim(0, -1), (m,), SAME),
        OpCase("movedim_pairs", lambda x: x.movedim((0, 1), (2, 0)), (m,), SAME),
        OpCase("mT", lambda x: x.mT, (m,), SAME),
        OpCase("meshgrid", lambda x, y: sum(g * (i + 1) for i, g in
                                              enumerate(sg.meshgrid(x, y, indexing="ij"))),
               (v, draw("normal", 3, 5)),
               lambda t, x, y: sum(g * (i + 1) for i, g in
                                   enumerate(t.meshgrid(x, y, indexing="ij")))),
        OpCase("meshgrid_xy", lambda x, y: sg.meshgrid(x, y, indexing="xy")[0] * 2
               + sg.meshgrid(x, y, indexing="xy")[1], (v, draw("normal", 3, 5)),
               lambda t, x, y: t.meshgrid(x, y, indexing="xy")[0] * 2
               + t.meshgrid(x, y, indexing="xy")[1]),
        OpCase("clone", lambda x: x.clone() * 2, (a,), SAME),
    ]


def _index_cases():
    a, m = draw("normal", (3, 4)), draw("normal", (2, 3, 4), 1)
    rows = np.array([[0, 3, 3], [2, 1, 0], [1, 1, 1]])
    unique = np.array([[0, 3], [2, 1], [1, 0]])
    mask = a > 0.2
    distinct = np.random.default_rng(7).permutation(12).reshape(3, 4) * 0.25 - 1.0
    src = draw("normal", (3, 3), 9)

    def index(t, array):  # an index tensor for PyTorch
        return t.tensor(array)

    cases = [
        OpCase("gather", lambda x: x.gather(1, rows), (a,),
               lambda t, x: x.gather(1, index(t, rows))),
        OpCase("gather_negative_dim", lambda x: x.gather(-3, np.zeros((1, 2, 3), np.int64)),
               (m,), lambda t, x: x.gather(-3, t.zeros((1, 2, 3), dtype=t.int64))),
        OpCase("index_select", lambda x: x.index_select(-1, np.array([3, 0, 0])), (m,),
               lambda t, x: x.index_select(-1, index(t, [3, 0, 0]))),
        OpCase("masked_fill", lambda x: x.masked_fill(mask, 0.5), (a,),
               lambda t, x: x.masked_fill(index(t, mask), 0.5)),
        OpCase("masked_fill_tensor", lambda x, v: x.masked_fill(mask, v), (a, np.array(0.7)),
               lambda t, x, v: x.masked_fill(index(t, mask), v)),
        OpCase("masked_select", lambda x: x.masked_select(mask[0]), (a,),
               lambda t, x: x.masked_select(index(t, mask[0]))),
        OpCase("scatter", lambda x, s: x.scatter(1, unique, s), (a, src[:, :2]),
               lambda t, x, s: x.scatter(1, index(t, unique), s)),
        OpCase("scatter_value", lambda x: x.scatter(0, unique[1:], 2.5), (a,),
               lambda t, x: x.scatter(0, index(t, unique[1:]), 2.5)),
        OpCase("scatter_add", lambda x, s: x.scatter_add(1, rows, s), (a, src),
               lambda t, x, s: x.scatter_add(1, index(t, rows), s)),
    ]
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            cases.append(OpCase(
                f"scatter_reduce_{reduce}{'' if include_self else '_exclude_self'}",
                lambda x, s, r=reduce, i=include_self: x.scatter_reduce(1, rows, s, r,
                                                                       include_self=i),
                (distinct, src + 3.0 * (reduce in ("amax", "amin")) * rows),
                lambda t, x, s, r=reduce, i=include_self: x.scatter_reduce(
                    1, index(t, rows), s, r, include_self=i)))
    return cases


def surface_cases():
    """Every case of the PyTorch-style surface."""
    return _unary_cases() + _binary_cases() + _reduction_cases() + _shape_cases() + \
        _index_cases()
