"""The image ops of nn.functional against PyTorch: conv1d, conv2d with groups, dilation and
"same" padding, conv_transpose2d, pooling options, max_unpool2d, adaptive pooling, interpolate,
group_norm; values and gradients in float64 (with finite differences) and float32, batch
chunks, unbatched inputs, and the layers with PyTorch's weights."""
import numpy as np
import pytest

from simplegrad import Tensor, nn
from simplegrad.nn import functional as F


# PyTorch warns that it copies the input for an even kernel with padding="same"
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def torch():
    return pytest.importorskip("torch")


def _tf(name, **kw):
    return lambda *args: getattr(torch().nn.functional, name)(*args, **kw)


RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 4, 7, 6))
X1 = RNG.standard_normal((2, 4, 9))
DISTINCT = RNG.permutation(X.size).reshape(X.shape) * 0.1  # no ties for max pooling


def w(*shape):
    return RNG.standard_normal(shape)


def _op(name, **kw):
    """(simplegrad F.name with kw, PyTorch's F.name with kw); a name "op:n" passes n as the
    second positional argument (group_norm's num_groups)."""
    name, _, second = name.partition(":")
    if second:
        return (lambda x, *rest: getattr(F, name)(x, int(second), *rest),
                lambda x, *rest: getattr(torch().nn.functional, name)(x, int(second), *rest))
    return (lambda *args: getattr(F, name)(*args, **kw)), _tf(name, **kw)


# (id, op name, keyword arguments, inputs)
CASES = [
    ("conv2d_groups", "conv2d", dict(padding=1, groups=2), [X, w(6, 2, 3, 3), w(6)]),
    ("conv2d_depthwise_dilated_same", "conv2d", dict(padding="same", dilation=2, groups=4),
     [X, w(8, 1, 3, 3)]),
    ("conv2d_dilation_stride", "conv2d", dict(stride=2, padding=(2, 0), dilation=(2, 1)),
     [X, w(3, 4, 3, 2), w(3)]),
    ("conv2d_same_even_kernel", "conv2d", dict(padding="same"), [X, w(3, 4, 4, 2)]),
    ("conv2d_valid_groups_stride", "conv2d", dict(padding="valid", stride=(1, 2), groups=4),
     [X, w(4, 1, 2, 3)]),
    ("conv1d", "conv1d", dict(padding=1), [X1, w(3, 4, 3), w(3)]),
    ("conv1d_options", "conv1d", dict(stride=2, padding=2, dilation=2, groups=2),
     [X1, w(4, 2, 3)]),
    ("conv1d_same", "conv1d", dict(padding="same"), [X1, w(5, 4, 4)]),
    ("conv_transpose2d", "conv_transpose2d", {}, [X, w(4, 3, 3, 3), w(3)]),
    ("conv_transpose2d_stride_output_padding", "conv_transpose2d",
     dict(stride=2, padding=1, output_padding=1), [X, w(4, 3, 3, 3), w(3)]),
    ("conv_transpose2d_groups_dilation", "conv_transpose2d",
     dict(stride=(2, 3), groups=2, dilation=2, output_padding=(1, 2)), [X, w(4, 2, 3, 2)]),
    ("conv_transpose2d_padding", "conv_transpose2d", dict(stride=3, padding=(2, 1)),
     [X, w(4, 5, 4, 4)]),
    ("max_pool2d_ceil", "max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     [DISTINCT]),
    ("max_pool2d_dilation", "max_pool2d", dict(kernel_size=2, stride=1, dilation=2),
     [DISTINCT]),
    ("max_pool2d_all", "max_pool2d", dict(kernel_size=3, stride=2, padding=(1, 0),
                                          dilation=(1, 2), ceil_mode=True), [DISTINCT]),
    ("avg_pool2d_ceil", "avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
     [X]),
    ("avg_pool2d_exclude_pad", "avg_pool2d",
     dict(kernel_size=(3, 2), stride=2, padding=1, count_include_pad=False), [X]),
    ("avg_pool2d_exclude_pad_ceil", "avg_pool2d",
     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [X]),
    ("avg_pool2d_divisor", "avg_pool2d", dict(kernel_size=2, divisor_override=3), [X]),
    ("adaptive_avg_pool2d", "adaptive_avg_pool2d", dict(output_size=(3, 4)), [X]),
    ("adaptive_avg_pool2d_up_and_none", "adaptive_avg_pool2d", dict(output_size=(None, 9)),
     [X]),
    ("adaptive_avg_pool2d_global", "adaptive_avg_pool2d", dict(output_size=1), [X]),
    ("interpolate_nearest", "interpolate", dict(scale_factor=2), [X]),
    ("interpolate_nearest_size", "interpolate", dict(size=(5, 13)), [X]),
    ("interpolate_nearest_exact", "interpolate", dict(scale_factor=(0.6, 1.5),
                                                      mode="nearest-exact"), [X]),
    ("interpolate_bilinear", "interpolate", dict(scale_factor=1.7, mode="bilinear"), [X]),
    ("interpolate_bilinear_down", "interpolate", dict(size=(3, 4), mode="bilinear"), [X]),
    ("interpolate_bilinear_align_corners", "interpolate",
     dict(size=(4, 11), mode="bilinear", align_corners=True), [X]),
    ("interpolate_recompute_scale", "interpolate",
     dict(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True), [X]),
    ("interpolate_area", "interpolate", dict(size=(3, 5), mode="area"), [X]),
    ("interpolate_linear", "interpolate", dict(scale_factor=2.2, mode="linear"), [X1]),
    ("group_norm", "group_norm:2", {}, [X, w(4), w(4)]),
    ("group_norm_no_affine", "group_norm:4", {}, [X]),
    ("conv2d_unbatched", "conv2d", dict(padding=1), [X[0], w(2, 4, 3, 3)]),
    ("max_pool2d_unbatched", "max_pool2d", dict(kernel_size=2), [DISTINCT[0]]),
    ("conv1d_unbatched", "conv1d", {}, [X1[0], w(2, 4, 3)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, op, kw, inputs", CASES, ids=IDS)
def test_image_op_matches_finite_differences_and_torch(name, op, kw, inputs, check_op):
    ours, theirs = _op(op, **kw)
    check_op(ours, inputs, theirs)


@pytest.mark.parametrize("name, op, kw, inputs", CASES, ids=IDS)
def test_image_op_in_float32_stays_float32(name, op, kw, inputs, check_float32):
    ours, theirs = _op(op, **kw)
    check_float32(ours, inputs, theirs)


@pytest.mark.parametrize("name", ["conv2d_groups", "conv2d_depthwise_dilated_same",
                                  "conv2d_dilation_stride", "conv_transpose2d_groups_dilation",
                                  "conv_transpose2d_stride_output_padding"])
def test_grouped_and_transposed_convs_in_batch_chunks(name, check_op, monkeypatch):
    """One image per chunk is the same math (forward per chunk, backward rebuilding columns)."""
    import simplegrad.ops.conv as conv_module
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    _, op, kw, inputs = CASES[IDS.index(name)]
    ours, theirs = _op(op, **kw)
    check_op(ours, [np.concatenate([inputs[0], inputs[0][:1] * 0.5])] + inputs[1:], theirs)


@pytest.mark.parametrize("kw", [dict(kernel_size=2),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=2, stride=1, dilation=2),
                                dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))])
def test_max_pool2d_indices_and_max_unpool2d_match_torch(kw, check_op):
    """Indices equal PyTorch's; unpooling them gives PyTorch's values, and its gradients where
    no index repeats. Where windows overlap, an index repeats and only the value written last
    gets the gradient (the finite-difference check; PyTorch counts every copy)."""
    th = torch()
    out, indices = F.max_pool2d(Tensor(DISTINCT), return_indices=True, **kw)
    ref, ref_indices = th.nn.functional.max_pool2d(th.tensor(DISTINCT), return_indices=True, **kw)
    np.testing.assert_array_equal(indices.data, ref_indices.numpy())
    np.testing.assert_allclose(out.data, ref.numpy())
    unpool = dict(kernel_size=kw["kernel_size"], stride=kw.get("stride"),
                  padding=kw.get("padding", 0), output_size=DISTINCT.shape[2:])
    ours = F.max_unpool2d(ref.numpy(), indices, **unpool).data
    if "dilation" not in kw:  # PyTorch's unpool checks the size against a dilation-1 pool
        theirs = th.nn.functional.max_unpool2d(ref, ref_indices, **unpool)
        np.testing.assert_allclose(ours, theirs.numpy())
    repeats = any(len(np.unique(i)) < i.size for i in indices.data.reshape(-1, indices[0, 0].size))
    check_op(lambda x: F.max_unpool2d(x, indices, **unpool), [ref.numpy()],
             None if repeats else lambda x: th.nn.functional.max_unpool2d(x, ref_indices,
                                                                          **unpool))


def test_padding_same_keeps_the_size_and_puts_the_odd_pad_last():
    x = Tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    out = F.conv2d(x, Tensor(np.array([[[[1.0, 1.0]]]])), padding="same")
    np.testing.assert_array_equal(out.data.ravel(), [1.0, 3.0, 5.0, 7.0, 4.0])


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(X, w(3, 4, 3, 3), stride=2, padding="same"), "needs stride 1"),
    (lambda: F.conv2d(X, w(3, 4, 3, 3), padding="full"), "'same' or 'valid'"),
    (lambda: F.conv2d(X, w(3, 2, 3, 3), groups=3), r"do not match with groups=3"),
    (lambda: F.conv2d(X, w(3, 4, 3, 3), groups=0), "groups must be an int >= 1"),
    (lambda: F.conv_transpose2d(X, w(4, 3, 3, 3), stride=2, output_padding=2),
     "output_padding"),
    (lambda: F.conv_transpose2d(X, w(4, 3, 3, 3), padding="same"), "an int or a pair"),
    (lambda: F.max_pool2d(X, 3, padding=2), "at most half"),
    (lambda: F.interpolate(X, size=3, scale_factor=2), "exactly one"),
    (lambda: F.interpolate(X, scale_factor=2, align_corners=True), "only for the linear"),
    (lambda: F.interpolate(X, scale_factor=2, mode="linear"), "needs a 3-D input"),
    (lambda: F.interpolate(X, scale_factor=2, mode="bicubic"), "mode must be"),
    (lambda: F.adaptive_avg_pool2d(X, 0), "output_size"),
    (lambda: F.max_unpool2d(X, np.full(X.shape, 500), 2), "outside the output plane"),
    (lambda: F.group_norm(X, 3), "3 groups do not divide"),
])
def test_bad_image_op_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _same_weights(ours, theirs):
    """Copy a torch layer's parameters into ours (conv layers share PyTorch's layout)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours.double(), theirs.double()


LAYERS = [  # (our layer, PyTorch's, input)
    (lambda t: (nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2),
                t.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2)), X1),
    (lambda t: (nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=4),
                t.nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=4)), X),
    (lambda t: (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                t.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                     groups=2)), X),
    (lambda t: (nn.GroupNorm(2, 4), t.nn.GroupNorm(2, 4)), X),
    (lambda t: (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                t.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)), X),
    (lambda t: (nn.MaxPool2d(3, 2, 1, dilation=1, ceil_mode=True),
                t.nn.MaxPool2d(3, 2, 1, dilation=1, ceil_mode=True)), DISTINCT),
    (lambda t: (nn.AdaptiveAvgPool2d((2, 3)), t.nn.AdaptiveAvgPool2d((2, 3))), X),
    (lambda t: (nn.Upsample(scale_factor=2, mode="bilinear"),
                t.nn.Upsample(scale_factor=2, mode="bilinear")), X),
]


@pytest.mark.parametrize("build, x", LAYERS)
def test_layers_with_torch_weights_match_torch(build, x):
    th = torch()
    th.manual_seed(0)
    ours, theirs = _same_weights(*build(th))
    assert sorted(dict(ours.named_parameters())) == sorted(dict(theirs.named_parameters()))
    np.testing.assert_allclose(ours(Tensor(x, dtype=np.float64)).data,
                               theirs(th.tensor(x)).detach().numpy(), atol=1e-12)


def test_layer_init_and_shapes_follow_torch():
    conv = nn.ConvTranspose2d(4, 6, (3, 2), groups=2)
    assert conv.weight.shape == (4, 3, 3, 2) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 3 * 2)  # fan_in of a transposed conv: out / groups * kernel
    assert np.abs(conv.bias.data).max() <= bound and np.abs(conv.weight.data).max() <= bound
    assert nn.Conv1d(4, 6, 5, groups=2).weight.shape == (6, 2, 5)
    with pytest.raises(ValueError, match="groups=3 must divide"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="needs stride 1"):
        nn.Conv2d(4, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()
    with pytest.raises(ValueError, match="must divide"):
        nn.GroupNorm(3, 4)
    pooled, indices = nn.MaxPool2d(2, return_indices=True)(Tensor(DISTINCT))
    assert nn.MaxUnpool2d(2)(pooled, indices).shape == (2, 4, 6, 6)
