"""The PyTorch-style surface: every case of simplegrad.gradcheck_surface against
float64 finite differences and PyTorch, then in float32, on 0-d and empty tensors, with
broadcasting, and the non-differentiable ops, factories, spellings and errors."""
import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor
from simplegrad.testing import SAME, draw
from simplegrad.gradcheck_surface import surface_cases

try:
    import torch
except ImportError:  # the finite-difference checks still run; the comparisons skip
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

CASES = {case.name: case for case in surface_cases()}
UNARY = [name for name, case in CASES.items() if len(case.inputs) == 1 and
         case.torch == SAME and name in {"sin", "cos", "tan", "asin", "acos", "atan", "sinh",
                                         "cosh", "asinh", "acosh", "atanh", "erf", "log2",
                                         "log10", "exp2", "log1p", "expm1", "rsqrt",
                                         "reciprocal", "square", "sign", "floor", "ceil",
                                         "round", "trunc", "frac"}]
BINARY = ["logaddexp", "remainder", "fmod", "copysign", "div_trunc", "add_alpha"]


def _run(fn, arrays, library, dtype):
    """fn's output and the gradients of sum(out * projection) w.r.t. each float input."""
    if library == "torch":
        leaves = [torch.tensor(np.asarray(a, dtype=dtype), requires_grad=True)
                  if np.asarray(a).dtype.kind == "f" else torch.tensor(np.asarray(a))
                  for a in arrays]
    else:
        leaves = [Tensor(np.asarray(a, dtype=dtype), requires_grad=True, dtype=dtype)
                  if np.asarray(a).dtype.kind == "f" else Tensor(np.asarray(a)) for a in arrays]
    out = fn(*leaves)
    projection = np.random.default_rng(3).standard_normal(tuple(out.shape)).astype(dtype)
    if library == "torch":
        (out * torch.tensor(projection)).sum().backward()
        return out.detach().numpy(), [x.grad.numpy() if x.grad is not None else None
                                      for x in leaves]
    (out * projection).sum().backward()
    return out.data, [x.grad for x in leaves]


def _same_as_torch(ours, theirs, arrays, dtype, rtol, atol=1e-6):
    """ours and theirs agree in value, dtype, shape and gradients."""
    out, grads = _run(ours, arrays, "simplegrad", dtype)
    ref, ref_grads = _run(theirs, arrays, "torch", dtype)
    assert out.shape == ref.shape and out.dtype == ref.dtype, (out.shape, ref.shape, out.dtype)
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol)
    for got, want in zip(grads, ref_grads):
        if want is None:
            continue
        assert got is not None and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", list(CASES))
def test_surface_case_matches_finite_differences_and_torch(name, check_case):
    check_case(CASES[name])


def test_surface_ops_never_write_into_their_upstream_gradient(monkeypatch):
    """As tests/autograd/test_engine.py checks for the core table: every op here gets a
    read-only gradient (the engine trusts built-in ops not to write into it)."""
    from simplegrad.autograd import Function

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    for cls in subclasses(Function):
        if cls.built_in:
            monkeypatch.setattr(cls, "built_in", False)
    for case in CASES.values():
        leaves = [Tensor(a, requires_grad=True, dtype=np.float64) if a.dtype.kind == "f"
                  else Tensor(a) for a in map(np.asarray, case.inputs)]
        out = case.fn(*leaves)
        (out * np.ones(out.shape)).sum().backward()  # raises "read-only" if one writes
        assert any(leaf.grad is not None for leaf in leaves), case.name


@needs_torch
@pytest.mark.parametrize("name", list(CASES))
def test_surface_case_in_float32_matches_torch(name):
    case = CASES[name]
    _same_as_torch(case.fn, case.torch_fn(torch), case.inputs, np.float32, rtol=2e-4,
                   atol=2e-5)


@needs_torch
@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (2, 3, 4)])
@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_at_every_rank_including_0d_and_empty(name, shape):
    case = CASES[name]
    if case.domain in ("normal", "positive", "away"):
        array = draw(case.domain, shape)
    else:  # (-0.9, 0.9) for asin, acos, atanh; (1.1, 2.9) for acosh
        array = np.random.default_rng(0).uniform(-0.9, 0.9, shape)
        array += 2 * (case.domain == "above_one")
    _same_as_torch(case.fn, case.fn, [array], np.float64, rtol=1e-10)


@needs_torch
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
                                    ((0, 3), (3,))])
@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_broadcast_like_torch(name, shapes, check_op):
    case = CASES[name]
    a = draw("normal", shapes[0], 1) * 3
    b = draw("positive" if name in ("remainder", "fmod", "div_trunc") else "away", shapes[1], 2)
    check_op(case.fn, [a, b], case.torch_fn(torch))


# Ops that take a dim, on 0-d and empty inputs: simplegrad must give what PyTorch gives, or
# fail where PyTorch fails.
DIM_OPS = {
    "cumsum": lambda x: x.cumsum(0), "cumprod": lambda x: x.cumprod(-1),
    "logcumsumexp": lambda x: x.logcumsumexp(0), "cummax": lambda x: x.cummax(0).values,
    "sort": lambda x: x.sort(-1).values, "argsort": lambda x: x.argsort(0).float(),
    "topk": lambda x: x.topk(1, dim=0).values, "prod": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(dim=0), "norm": lambda x: x.norm(),
    "amax": lambda x: x.amax(dim=-1), "max_dim": lambda x: x.max(0).values,
    "median_dim": lambda x: x.median(0).values, "std": lambda x: x.std(correction=0),
    "flip": lambda x: x.flip(0), "roll": lambda x: x.roll(1, 0),
    "squeeze": lambda x: x.squeeze(0), "unsqueeze": lambda x: x.unsqueeze(-1),
    "flatten": lambda x: x.flatten(), "repeat": lambda x: x.repeat(2, 1, 1),
    "expand": lambda x: x.expand(2, *x.shape), "movedim": lambda x: x.movedim(0, -1),
    "chunk": lambda x: x.chunk(2, 0)[0], "unfold": lambda x: x.unfold(0, 1, 1),
    "tril": lambda x: x.reshape(1, -1).tril(), "gather": lambda x: x.gather(0, x.argsort(0)),
    "mean": lambda x: x.mean(dim=0), "sum": lambda x: x.sum(-1),
}


@needs_torch
@pytest.mark.parametrize("shape", [(), (0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("name", list(DIM_OPS))
def test_dim_ops_on_0d_and_empty_tensors_match_torch(name, shape):
    fn = DIM_OPS[name]
    array = draw("normal", shape)
    try:
        _run(fn, [array], "torch", np.float64)
    except (RuntimeError, IndexError, ValueError):
        with pytest.raises((RuntimeError, IndexError, ValueError)):
            _run(fn, [array], "simplegrad", np.float64)
        return
    with np.errstate(all="ignore"):
        _same_as_torch(fn, fn, [array], np.float64, rtol=1e-10)


@needs_torch
def test_max_and_min_spellings():
    x = Tensor(np.array([[1.0, 5.0, 5.0], [4.0, 2.0, 0.0]]), requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 4.0] and indices.tolist() == [1, 0]
    assert x.max(1).indices.tolist() == [1, 0]  # positional dim: PyTorch's (values, indices)
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert x.max(axis=1).tolist() == [5.0, 4.0]  # NumPy's axis=: the values only
    assert x.max(axis=(0, 1), keepdims=True).shape == (1, 1)
    assert x.min(dim=0).indices.tolist() == [0, 1, 1] and float(x.max()) == 5.0
    assert x.max(Tensor([2.0, 2.0, 9.0])).tolist() == [[2.0, 5.0, 9.0], [4.0, 2.0, 9.0]]
    with pytest.raises(TypeError, match="amax"):
        x.max(dim=(0, 1))
    x.max(dim=1).values.sum().backward()  # the gradient goes to the returned index only
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    x.max().backward()  # without a dim, ties share it (as torch.max() and amax)
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0, 0, 0]])


@pytest.mark.parametrize("make", [
    lambda t: t.isnan(), lambda t: t.isinf(), lambda t: t.isfinite(), lambda t: t.logical_not(),
    lambda t: t.logical_and(t > 0), lambda t: t.logical_or(t < 0), lambda t: t.logical_xor(t),
    lambda t: t.eq(1.0), lambda t: t.ne(1.0), lambda t: t.lt(0.5), lambda t: t.ge(0.5),
    lambda t: ~(t > 0), lambda t: (t > 0) & (t < 2), lambda t: (t > 0) | (t < -1),
    lambda t: (t > 0) ^ (t < 2), lambda t: t.isclose(t + 1e-9), lambda t: t.any(),
    lambda t: t.all(dim=1), lambda t: t.any(1, keepdim=True), lambda t: t.argsort(dim=1),
    lambda t: t.argsort(dim=0, descending=True), lambda t: t.nonzero(),
    lambda t: t.argmax(dim=1, keepdim=True), lambda t: t.sign(), lambda t: (t * 4).long() // 3,
    lambda t: (t * 4).long() % 3, lambda t: (t * 4).long().remainder(-3),
    lambda t: (t * 4).long().div(3, rounding_mode="trunc"), lambda t: (t > 0).cumsum(1),
    lambda t: (t * 4).int().cumsum(0), lambda t: t.long().prod(1), lambda t: (t * 4).floor(),
    lambda t: (t > 0).sum(0), lambda t: (t * 3).long().abs(), lambda t: (t * 3).round(),
])
@needs_torch
def test_non_differentiable_ops_match_torch(make):
    x = np.array([[1.0, -2.5, 7.0, 0.0], [9.0, 2.0, -0.4, 1.0], [0.5, 0.0, 3.0, -1.0]])
    ours, theirs = make(Tensor(x, dtype=np.float64)), make(torch.tensor(x))
    assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype, \
        (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert not ours.requires_grad


@needs_torch
def test_nan_and_inf_tests_match_torch():
    x = np.array([1.0, np.nan, np.inf, -np.inf])
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(getattr(Tensor(x), name)().data,
                                      getattr(torch.tensor(x), name)().numpy())
    assert Tensor(x).allclose(x, equal_nan=True) and not Tensor(x).equal(x[::-1].copy())
    assert Tensor([1.0, 2.0]).equal(Tensor([1.0, 2.0])) and not Tensor([1.0]).equal([1.0, 2.0])


@needs_torch
def test_one_hot_and_sorting_results_match_torch():
    labels = np.array([[2, 0], [1, 3]])
    F = sg.nn.functional
    np.testing.assert_array_equal(F.one_hot(labels).data,
                                  torch.nn.functional.one_hot(torch.tensor(labels)).numpy())
    assert F.one_hot(Tensor(labels), num_classes=6).shape == (2, 2, 6)
    with pytest.raises(ValueError, match="one_hot"):
        F.one_hot(np.array([0, 4]), num_classes=3)
    values = np.array([3.0, 1.0, 3.0, np.nan, 2.0, 1.0])
    for descending in (False, True):
        ours = Tensor(values).sort(descending=descending, stable=True)
        theirs = torch.tensor(values).sort(descending=descending, stable=True)
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    cummax = torch.tensor(values[[0, 1, 2, 4, 5]]).cummax(0)
    ours = Tensor(values[[0, 1, 2, 4, 5]]).cummax(0)
    np.testing.assert_array_equal(ours.indices.data, cummax.indices.numpy())  # ties: latest
    assert Tensor([[1.0, 2.0], [0.0, 3.0]]).nonzero(as_tuple=True)[1].tolist() == [0, 1, 1]
    for value in (3.0, 0.0):  # a 0-d tensor: one element without dims
        assert sg.tensor(value).nonzero().shape == tuple(torch.tensor(value).nonzero().shape)


@needs_torch
def test_factories_match_torch_values_and_dtypes():
    pairs = [
        (sg.tensor([1, 2]), torch.tensor([1, 2])), (sg.tensor([1.5]), torch.tensor([1.5])),
        (sg.tensor(True), torch.tensor(True)), (sg.tensor(np.arange(3, dtype=np.int32)),
                                               torch.tensor(np.arange(3, dtype=np.int32))),
        (sg.zeros(2, 3), torch.zeros(2, 3)), (sg.ones((2,), dtype=sg.int64),
                                              torch.ones((2,), dtype=torch.int64)),
        (sg.full((2, 2), 7), torch.full((2, 2), 7)), (sg.full([3], 0.5), torch.full([3], 0.5)),
        (sg.empty(0, 2), torch.empty(0, 2)), (sg.arange(5), torch.arange(5)),
        (sg.arange(1, 2, 0.25), torch.arange(1, 2, 0.25)), (sg.arange(2.0), torch.arange(2.0)),
        (sg.linspace(0, 1, 5), torch.linspace(0, 1, 5)), (sg.eye(2, 3), torch.eye(2, 3)),
        (sg.zeros_like(sg.ones(2, dtype=sg.float64)), torch.zeros_like(torch.ones(2,
                                                                       dtype=torch.float64))),
        (sg.full_like(sg.arange(3), 4), torch.full_like(torch.arange(3), 4)),
        (sg.ones_like(sg.eye(2)), torch.ones_like(torch.eye(2))),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.data, theirs.numpy())


@needs_torch
def test_random_factories_are_seeded_by_manual_seed():
    def draw_all():
        return [sg.rand(3), sg.randn(2, 2), sg.randint(0, 10, (4,)), sg.randint(5, size=(3,)),
                sg.randperm(6), sg.multinomial(sg.tensor([0.0, 1.0, 3.0]), 2),
                sg.rand_like(sg.zeros(2, dtype=sg.float64)), sg.randn_like(sg.zeros(3))]
    sg.manual_seed(4)
    first = draw_all()
    sg.manual_seed(4)
    for a, b in zip(first, draw_all()):
        assert a.dtype == b.dtype and np.array_equal(a.data, b.data)
    rand, randn, ints, ints2, perm, picks, like, like_n = first
    assert rand.dtype == np.float32 and 0 <= rand.data.min() and rand.data.max() < 1
    assert ints.dtype == np.int64 and ints.data.max() < 10 and ints2.data.max() < 5
    assert sorted(perm.tolist()) == list(range(6)) and like.dtype == np.float64
    assert 0 not in picks.tolist() and len(set(picks.tolist())) == 2  # no replacement
    rows = sg.multinomial(sg.tensor([[1.0, 0.0], [0.0, 1.0]]), 3, replacement=True)
    assert rows.tolist() == [[0, 0, 0], [1, 1, 1]]
    with pytest.raises(ValueError, match="without replacement"):
        sg.multinomial(sg.tensor([0.0, 1.0]), 2)
    assert sg.randn(2, requires_grad=True).requires_grad


@needs_torch
def test_size_item_and_other_pytorch_spellings():
    x = sg.arange(6.0).reshape(2, 3)
    assert x.size == 6 and x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and x.dim() == 2 and x.ndim == 2 and x.tolist()[1] == [3.0, 4.0, 5.0]
    assert x.sum().item() == 15.0 and isinstance(x.sum().item(), float)
    assert isinstance(x.item, np.ndarray) and x.item.shape == (2, 3)  # the array, as before
    assert isinstance(sg.tensor([3]).sum().item(), int)
    with pytest.raises(RuntimeError, match="6 elements"):
        x.item()
    with pytest.raises(IndexError):
        x.size(2)
    assert f"{x.sum().item:.1f}" == "15.0" and float(x.sum().item) == 15.0
    assert type(x.item + 1) is np.ndarray  # arithmetic gives plain arrays


@needs_torch
def test_casts_keep_the_graph_and_devices_are_the_cpu():
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True, dtype=np.float64)
    y = x.float()
    assert y.dtype == np.float32 and y.grad_fn is not None
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0]
    assert x.to(sg.float32).dtype == np.float32 and x.to("cpu") is x and x.cpu() is x
    assert x.to("cpu", sg.float32).dtype == np.float32 and x.to(sg.tensor([1])).dtype == np.int64
    assert x.to(dtype=np.float16, device=sg.device("cpu")).dtype == np.float16
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad
    assert x.bool().dtype == np.bool_ and x.int().dtype == np.int32 and x.double() is x
    assert x.type_as(sg.zeros(1)).dtype == np.float32 and x.device == "cpu"
    assert str(x.device) == "cpu" and sg.device("cpu") == x.device
    assert not sg.cuda.is_available() and sg.zeros(2, device="cpu").device == "cpu"
    for call in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: sg.ones(2, device="cuda:0"),
                 lambda: sg.device("mps")):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()
    assert sg.float32 == np.float32 and sg.long == np.int64 and sg.tensor([1.0]).dtype == sg.float


@needs_torch
def test_clone_contiguous_and_expanded_views():
    x = Tensor(np.arange(3.0), requires_grad=True)
    wide = x.expand(2, 3)
    assert not wide.data.flags.writeable  # a broadcast view, as torch.expand
    with pytest.raises(RuntimeError, match="clone"):
        wide.detach()[0, 0] = 1.0
    copy = wide.contiguous()
    assert copy.data.flags.writeable and copy.grad_fn is not None
    copy.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    plain = Tensor(np.ones(2))
    assert plain.contiguous() is plain and plain.clone() is not plain
    assert not np.shares_memory(plain.clone().data, plain.data)


@needs_torch
def test_function_forms_and_aliases_call_the_methods():
    x = sg.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert sg.exp(x).allclose(x.exp()) and sg.sum(x, dim=1).tolist() == [-1.0, 3.5]
    assert sg.max(x, 1).indices.tolist() == [0, 0] and sg.max(x, x * 2).shape == (2, 2)
    assert sg.clamp(x, min=0).tolist() == [[1.0, 0.0], [3.0, 0.5]]
    assert sg.transpose(x, 0, 1).tolist() == [[1.0, 3.0], [-2.0, 0.5]]
    assert sg.gather(x, 1, np.array([[1], [0]])).tolist() == [[-2.0], [3.0]]
    assert sg.concat([x, x]).shape == (4, 2) and sg.numel(x) == 4
    assert sg.exp(np.zeros(2)).tolist() == [1.0, 1.0]  # an ndarray becomes a Tensor first
    assert sg.absolute(x).tolist() == [[1.0, 2.0], [3.0, 0.5]] and x.arcsin == x.asin
    for alias, name in (("true_divide", "div"), ("divide", "div"), ("multiply", "mul"),
                        ("subtract", "sub"), ("negative", "neg"), ("fix", "trunc"),
                        ("moveaxis", "movedim"), ("arctanh", "atanh")):
        assert getattr(Tensor, alias) is getattr(Tensor, name), alias
    with sg.inference_mode():
        assert not (Tensor([1.0], requires_grad=True) * 2).requires_grad
    with sg.set_grad_enabled(False):
        assert not sg.is_grad_enabled()
    assert sg.is_grad_enabled()


@needs_torch
def test_new_errors_name_the_op_and_use_pytorch_error_types():
    x = Tensor(np.ones((2, 3)))
    for call in (lambda: x.cumsum(2), lambda: x.sort(-3), lambda: x.gather(2, np.zeros((2, 3),
                                                                                      np.int64)),
                 lambda: x.flip(5), lambda: x.movedim(0, 4), lambda: x.max(dim=2),
                 lambda: x.size(3), lambda: x.diagonal(0, 0, 2)):
        with pytest.raises(IndexError):
            call()
    with pytest.raises(IndexError, match="out of bounds"):
        x.gather(1, np.array([[0, 3, 0], [0, 0, 0]]))
    with pytest.raises(ValueError, match="^gather: index has 1 dims"):
        x.gather(1, np.array([0, 1]))
    with pytest.raises(ValueError, match="^pad: reflect padding"):
        sg.nn.functional.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="^scatter_reduce: reduce must be"):
        x.scatter_reduce(0, np.zeros((1, 3), np.int64), x, "max")
    with pytest.raises(ValueError, match="add up to 2"):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="^div: rounding_mode"):
        x.div(2, rounding_mode="round")
    with pytest.raises(ValueError, match="repeat"):
        x.repeat(2)
