"""scaled_dot_product_attention and nn.MultiheadAttention against PyTorch: SDPA values and
gradients (float64 with finite differences), masks, causal, grouped-query heads, dropout; MHA
loaded with a torch.nn.MultiheadAttention's weights gives the same outputs, weights and
gradients for every constructor option and mask."""
import numpy as np
import pytest

import simplegrad
from simplegrad import Tensor, nn
from simplegrad.nn import functional as F


def torch():
    return pytest.importorskip("torch")


RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal(s) for s in [(2, 4, 3, 5), (2, 4, 6, 5), (2, 4, 6, 7)])
BOOL_MASK = RNG.random((3, 6)) > 0.3
BOOL_MASK[1] = False  # a query that may see no key: PyTorch gives 0, not NaN
FLOAT_MASK = RNG.standard_normal((2, 1, 3, 6))


def sdpa(t, *args, **kw):
    return t.nn.functional.scaled_dot_product_attention(*args, **kw)


SDPA_CASES = [  # (id, keyword arguments, key/value heads, mask given to torch as a constant)
    ("plain", {}, 4),
    ("bool_mask", {"attn_mask": BOOL_MASK}, 4),
    ("float_mask_scale", {"attn_mask": FLOAT_MASK, "scale": 0.3}, 4),
    ("causal", {"is_causal": True}, 4),
    ("gqa_causal", {"is_causal": True, "enable_gqa": True}, 2),
    ("gqa_mask", {"attn_mask": BOOL_MASK, "enable_gqa": True}, 1),
]


@pytest.mark.parametrize("name, kw, heads", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_finite_differences_and_torch(name, kw, heads, check_op):
    theirs_kw = dict(kw)
    if "attn_mask" in kw:
        theirs_kw["attn_mask"] = torch().tensor(kw["attn_mask"])
    check_op(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
             [Q, K[:, :heads], V[:, :heads]],
             lambda q, k, v: sdpa(torch(), q, k, v, **theirs_kw))


def test_sdpa_float32_unbatched_and_a_float_mask_that_learns(check_op):
    th = torch()
    q, k, v = (a[0, 0].astype(np.float32) for a in (Q, K, V))  # (L, E): no batch or heads
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True)
    assert out.dtype == np.float32
    expected = sdpa(th, *(th.tensor(a) for a in (q, k, v)), is_causal=True)
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-5, atol=1e-6)
    check_op(lambda m: F.scaled_dot_product_attention(Q, K, V, attn_mask=m), [FLOAT_MASK],
             lambda m: sdpa(th, th.tensor(Q), th.tensor(K), th.tensor(V), attn_mask=m))


def test_sdpa_dropout_drops_attention_weights():
    q, k, v = (Tensor(a) for a in (Q, K, V))
    simplegrad.manual_seed(3)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    simplegrad.manual_seed(3)
    weights = F.dropout((q @ k.swapaxes(-1, -2) * (1 / np.sqrt(5))).softmax(axis=-1), 0.5)
    np.testing.assert_allclose(out.data, (weights @ v).data, rtol=1e-6)


@pytest.mark.parametrize("kw, message", [
    ({"attn_mask": BOOL_MASK, "is_causal": True}, "not both"),
    ({"enable_gqa": True}, "cannot share"),
    ({"dropout_p": 1.5}, "dropout_p"),
])
def test_sdpa_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        F.scaled_dot_product_attention(Q, K[:, :3], V[:, :3], **kw)


def torch_weights(theirs):
    """A torch.nn.MultiheadAttention's state dict in simplegrad's layout: every 2-D projection
    weight transposed (simplegrad projects with x @ W, as its Linear)."""
    return {name: value.detach().numpy().T if value.ndim == 2 else value.detach().numpy()
            for name, value in theirs.state_dict().items()}


MHA_CASES = [  # (id, constructor options, forward options, unbatched)
    ("default", {}, {}, False),
    ("batch_first_self", {"batch_first": True}, {"self": True}, False),
    ("kdim_vdim", {"kdim": 3, "vdim": 5}, {"key_padding_mask": True}, False),
    ("bias_kv_zero_attn_masks", {"bias": False, "add_bias_kv": True, "add_zero_attn": True},
     {"key_padding_mask": True, "attn_mask": "bool"}, False),
    ("per_head_weights_3d_float_mask", {"batch_first": True},
     {"average_attn_weights": False, "attn_mask": "float3d"}, False),
    ("unbatched_causal_hint", {}, {"key_padding_mask": True, "attn_mask": "causal",
                                   "is_causal": True}, True),
]


def _mha_inputs(options, forward, unbatched, n=2, length=3, keys=4):
    def shape(steps, dim):
        if unbatched:
            return (steps, dim)
        return (n, steps, dim) if options.get("batch_first") else (steps, n, dim)
    rng = np.random.default_rng(1)
    q = rng.standard_normal(shape(length, 8))
    if forward.get("self"):
        keys, k, v = length, q, q
    else:
        k = rng.standard_normal(shape(keys, options.get("kdim", 8)))
        v = rng.standard_normal(shape(keys, options.get("vdim", 8)))
    masks = {}
    if forward.get("key_padding_mask"):
        masks["key_padding_mask"] = np.zeros((keys,) if unbatched else (n, keys), bool)
        masks["key_padding_mask"][..., 1] = True
    kind = forward.get("attn_mask")
    if kind:
        masks["attn_mask"] = {"bool": rng.random((length, keys)) > 0.5,
                              "float3d": rng.standard_normal((n * 2, length, keys)),
                              "causal": ~np.tril(np.ones((length, keys), bool))}[kind]
    options_out = {k: forward[k] for k in ("average_attn_weights", "is_causal") if k in forward}
    return (q, k, v), masks, options_out


@pytest.mark.parametrize("name, options, forward, unbatched", MHA_CASES,
                         ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_with_torch_weights_matches_torch(name, options, forward,
                                                              unbatched):
    th = torch()
    th.manual_seed(0)
    theirs = th.nn.MultiheadAttention(8, 2, **options).double()
    ours = nn.MultiheadAttention(8, 2, **options).double()
    ours.load_state_dict(torch_weights(theirs))
    (q, k, v), masks, extra = _mha_inputs(options, forward, unbatched)
    same = forward.get("self")
    ours_in = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (q, k, v)]
    theirs_in = [th.tensor(a, requires_grad=True) for a in (q, k, v)]
    if same:
        ours_in, theirs_in = [ours_in[0]] * 3, [theirs_in[0]] * 3
    out, weights = ours(*ours_in, **masks, **extra)
    ref, ref_weights = theirs(*theirs_in, **{k: th.tensor(m) for k, m in masks.items()},
                              **extra)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(weights.data, ref_weights.detach().numpy(), atol=1e-12)
    (out.sum() + (weights * weights).sum()).backward()
    (ref.sum() + (ref_weights * ref_weights).sum()).backward()
    for mine, other in zip(ours_in, theirs_in):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), atol=1e-12)
    their_grads = {n: p.grad.numpy() for n, p in theirs.named_parameters()}
    assert sorted(their_grads) == sorted(n for n, _ in ours.named_parameters())
    for key, p in ours.named_parameters():
        expected = their_grads[key]
        np.testing.assert_allclose(p.grad, expected.T if expected.ndim == 2 else expected,
                                   atol=1e-12)


def test_multihead_attention_float32_no_weights_dropout_and_errors():
    simplegrad.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 8)).astype(np.float32))
    out, weights = mha(x, x, x, need_weights=False)
    assert out.dtype == np.float32 and out.shape == (2, 3, 8) and weights is None
    mha.eval()
    np.testing.assert_array_equal(mha(x, x, x)[0].data, mha(x, x, x)[0].data)
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].data, mha.eval()(x, x, x)[0].data)
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="give attn_mask too"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="attn_mask of shape"):
        mha(x, x, x, attn_mask=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="key_padding_mask of shape"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="unbatched"):
        mha(x[0, 0], x[0, 0], x[0, 0])
