"""conv2d, max/avg pooling and the fused batch/layer norms: float64 gradcheck and PyTorch."""
import numpy as np
import pytest

from simplegrad import Tensor, no_grad
from simplegrad.ops.conv import avg_pool2d, conv2d, max_pool2d
from simplegrad.ops.norm import batch_norm, layer_norm


def torch_f():
    """torch.nn.functional, imported lazily (the comparisons are skipped without torch)."""
    import torch.nn.functional as TF
    return TF


CONV_CASES = [  # (x shape, weight shape, stride, padding)
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 0),
    ((1, 2, 6, 5), (3, 2, 3, 2), 2, 1),
    ((2, 1, 4, 4), (2, 1, 1, 1), 1, 0),
    ((1, 2, 7, 6), (2, 2, 3, 3), (2, 3), (1, 2)),
    ((2, 2, 5, 6), (3, 2, 3, 2), 1, (1, 2)),  # stride 1: flat-shift im2col, uneven padding
    ((1, 1, 4, 5), (2, 1, 4, 5), 1, 0),  # stride 1, kernel as large as the input
    ((2, 3, 6, 7), (2, 3, 2, 3), (1, 2), 1),  # mixed stride: the window-view path
]


@pytest.mark.parametrize("xs, ws, stride, padding", CONV_CASES)
def test_conv2d_matches_finite_differences_and_torch(xs, ws, stride, padding, rng, check_op):
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    check_op(lambda x, w, b: conv2d(x, w, b, stride, padding), [x, w, b],
             lambda x, w, b: torch_f().conv2d(x, w, b, stride, padding))
    check_op(lambda x, w: conv2d(x, w, None, stride, padding), [x, w],
             lambda x, w: torch_f().conv2d(x, w, None, stride, padding))



@pytest.mark.parametrize("xs, ws, stride, padding", CONV_CASES)
def test_conv2d_in_batch_chunks_matches_torch(xs, ws, stride, padding, rng, check_op,
                                              monkeypatch):
    """One image per chunk (forward matmuls into slices of the output, backward rebuilding
    each chunk's columns and summing the weight gradient over chunks) is the same math."""
    import simplegrad.ops.conv as conv_module
    monkeypatch.setattr(conv_module, "CHUNK_BYTES", 1)
    xs = (3, *xs[1:])
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    assert len(conv_module._batch_chunks(3, 8)) == 3
    check_op(lambda x, w, b: conv2d(x, w, b, stride, padding), [x, w, b],
             lambda x, w, b: torch_f().conv2d(x, w, b, stride, padding))

POOL_CASES = [  # (x shape, kernel, stride, padding)
    ((2, 2, 4, 4), 2, None, 0),
    ((1, 3, 5, 6), 3, 2, 1),
    ((1, 2, 5, 5), (2, 3), 1, 0),
    ((2, 1, 6, 6), 3, 3, 0),
    ((1, 2, 5, 7), 2, None, 0),  # odd sizes: the last row/column belongs to no window
    ((1, 1, 6, 6), 1, None, 0),  # kernel 1: every element is its own window
    ((2, 2, 6, 4), (2, 1), (2, 1), 0),  # tiles rows, single-column windows
]


@pytest.mark.parametrize("xs, kernel, stride, padding", POOL_CASES)
def test_max_pool2d(xs, kernel, stride, padding, rng, check_op):
    x = rng.permutation(np.prod(xs)).reshape(xs) * 0.1  # distinct values: no ties
    check_op(lambda t: max_pool2d(t, kernel, stride, padding), [x],
             lambda t: torch_f().max_pool2d(t, kernel, stride, padding))


@pytest.mark.parametrize("xs, kernel, stride, padding", POOL_CASES)
def test_avg_pool2d(xs, kernel, stride, padding, rng, check_op):
    x = rng.standard_normal(xs)
    check_op(lambda t: avg_pool2d(t, kernel, stride, padding), [x],
             lambda t: torch_f().avg_pool2d(t, kernel, stride, padding))


@pytest.mark.parametrize("shape, normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_layer_norm(shape, normalized, rng, check_op):
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal(normalized), rng.standard_normal(normalized)
    check_op(lambda x, w, b: layer_norm(x, normalized, w, b), [x, w, b],
             lambda x, w, b: torch_f().layer_norm(x, normalized, w, b))
    check_op(lambda x: layer_norm(x, normalized), [x],
             lambda x: torch_f().layer_norm(x, normalized))


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 5), (3, 2, 3, 4)])
def test_batch_norm_training(shape, rng, check_op):
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    check_op(lambda x, w, b: batch_norm(x, None, None, w, b, training=True), [x, w, b],
             lambda x, w, b: torch_f().batch_norm(x, None, None, w, b, training=True))


def test_batch_norm_eval_uses_running_stats(rng, check_op):
    x = rng.standard_normal((4, 3, 2, 2))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    check_op(lambda x, w, b: batch_norm(x, mean, var, w, b, training=False), [x, w, b],
             lambda x, w, b: torch_f().batch_norm(
                 x, __import__("torch").tensor(mean), __import__("torch").tensor(var), w, b,
                 training=False))


def test_batch_norm_updates_running_stats_like_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((5, 3, 2, 2))
    mean, var = np.zeros(3), np.ones(3)
    t_mean, t_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(3):
        batch_norm(Tensor(x, dtype=np.float64), mean, var, training=True, momentum=0.2)
        torch.nn.functional.batch_norm(torch.tensor(x), t_mean, t_var, training=True,
                                       momentum=0.2)
    np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, t_var.numpy(), rtol=1e-12)


def test_float32_stays_float32(rng):
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = max_pool2d(avg_pool2d(conv2d(x, w, None, 1, 1), 2, 1), 2)
    out = batch_norm(out, None, None, training=True)
    out = layer_norm(out, (out.shape[-1],))
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_output_shapes_and_no_graph_under_no_grad(rng):
    x = Tensor(rng.standard_normal((2, 3, 9, 8)), requires_grad=True)
    w = Tensor(rng.standard_normal((5, 3, 3, 3)), requires_grad=True)
    assert conv2d(x, w, None, 2, 1).shape == (2, 5, 5, 4)
    assert max_pool2d(x, 2).shape == (2, 3, 4, 4)
    assert avg_pool2d(x, 3, 2, 1).shape == (2, 3, 5, 4)
    with no_grad():
        assert conv2d(x, w).grad_fn is None


def test_bad_shapes_raise_one_line_errors(rng):
    x = Tensor(rng.standard_normal((1, 3, 4, 4)))
    with pytest.raises(ValueError, match="do not match"):
        conv2d(x, Tensor(rng.standard_normal((2, 2, 3, 3))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d(x, Tensor(rng.standard_normal((2, 3, 5, 5))))
    with pytest.raises(ValueError, match="at most half"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        batch_norm(Tensor(np.ones((1, 3))), training=True)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (2, 1), (3, 1)])
def test_max_pool2d_ties_and_nan_route_like_torch(kernel, stride):
    torch = pytest.importorskip("torch")
    x = np.array([[[[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0],
                    [np.nan, 2.0, 3.0, 3.0], [1.0, 2.0, 3.0, 3.0]]]])
    ours = Tensor(x, requires_grad=True, dtype=np.float64)
    out = max_pool2d(ours, kernel, stride)
    g = np.arange(out.size, dtype=np.float64).reshape(out.shape) + 1
    out.backward(g)
    theirs = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.max_pool2d(theirs, kernel, stride)
    ref.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@pytest.mark.parametrize("kwargs, message", [
    (dict(stride=0), "conv2d stride must be an int >= 1"),
    (dict(padding=-1), "conv2d padding must be an int >= 0"),
    (dict(stride=1.5), "conv2d stride"),
    (dict(padding=(1, 2, 3)), "conv2d padding"),
])
def test_bad_geometry_arguments(kwargs, message, rng):
    x, w = Tensor(rng.standard_normal((1, 1, 4, 4))), Tensor(rng.standard_normal((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=message):
        conv2d(x, w, **kwargs)


def test_conv_net_in_channels_first_layout_matches_torch(rng):
    """conv -> relu -> pool -> conv -> pool, where every intermediate array is an NCHW-shaped
    view of channels-outermost memory (conv2d's output layout), against PyTorch in float64."""
    torch = pytest.importorskip("torch")
    from simplegrad.nn import functional as F
    x = rng.standard_normal((3, 2, 10, 10))
    w1, b1 = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    w2, b2 = rng.standard_normal((5, 4, 3, 3)), rng.standard_normal(5)
    ours = [Tensor(a, requires_grad=True, dtype=np.float64) for a in (x, w1, b1, w2, b2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w1, b1, w2, b2)]

    def net(f, x, w1, b1, w2, b2):
        h = f.max_pool2d(f.relu(f.conv2d(x, w1, b1, 1, 1)), 2)
        return f.max_pool2d(f.conv2d(h, w2, b2, 1, 1), 2, 1)

    out, ref = net(F, *ours), net(torch.nn.functional, *theirs)
    assert not out.data.flags.c_contiguous  # the layout under test really is in use
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_accepts_any_input_layout(rng):
    """The same values in NCHW, channels-outermost and a strided view give the same result."""
    x = rng.standard_normal((2, 3, 6, 6))
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), dtype=np.float64)
    layouts = [x, np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
               np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)))[:, :, 1:-1, 2:-2]]
    outs = [conv2d(Tensor(a, dtype=np.float64), w, None, 1, 1).data for a in layouts]
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])


def test_first_layer_weight_grad_summed_over_column_blocks(rng):
    """A single-channel input with more than WEIGHT_GRAD_BLOCK output columns takes the
    blocked weight-gradient path; it must equal the one-product formula (float64)."""
    from simplegrad.ops.conv import WEIGHT_GRAD_BLOCK
    x = Tensor(rng.standard_normal((10, 1, 40, 40)), dtype=np.float64)
    w = Tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True, dtype=np.float64)
    assert 10 * 42 * 42 > 2 * WEIGHT_GRAD_BLOCK  # three blocks, the last one short
    out = conv2d(x, w, None, 1, 1)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    padded = np.pad(x.data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.empty((3, 1, 3, 3))
    for i in range(3):
        for j in range(3):
            expected[:, 0, i, j] = np.einsum("nohw,nhw->o", g, padded[:, 0, i:i + 40, j:j + 40])
    np.testing.assert_allclose(w.grad, expected, rtol=1e-10)


def test_conv_and_pool_training_steps_reuse_their_scratch_memory():
    """The big temporaries (im2col columns, padded copies, column gradients) come from reused
    per-thread buffers: after a warm-up step, steps of the same shapes allocate none of them
    (fresh ones cost ~3,000 page faults per step of a small CNN)."""
    from simplegrad import nn
    from simplegrad.ops import scratch
    rng = np.random.default_rng(0)
    model = nn.Sequential([nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(4, 8, 3, padding=1), nn.Flatten(), nn.Linear(8 * 14 * 14, 3)])
    x = Tensor(rng.standard_normal((40, 1, 28, 28)).astype(np.float32))

    def step():
        model.zero_grad()
        model(x).cross_entropy_loss(np.arange(40) % 3).backward()
        return {role: buffer.__array_interface__["data"][0]
                for role, buffer in scratch._buffers.__dict__.items()}

    first = step()
    assert {"im2col.padded", "col2im.padded", "conv.dcols"} <= set(first)
    assert step() == first  # the same buffers, not new ones
