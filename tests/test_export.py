"""simplegrad.export.to_onnx: every supported layer round-trips through onnxruntime to 1e-5."""
import subprocess
import sys

import numpy as np
import pytest

import simplegrad
from simplegrad import nn
from simplegrad.nn import functional as F

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from simplegrad.export import ExportError, max_abs_difference, to_onnx  # noqa: E402

TOLERANCE = 1e-5


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def with_running_stats(norm, seed=1):
    """A batch norm whose running statistics are not the identity (as after training)."""
    rng = np.random.default_rng(seed)
    norm.running_mean[:] = rng.normal(size=norm.num_features)
    norm.running_var[:] = rng.uniform(0.5, 2.0, size=norm.num_features)
    norm.weight.data[:] = rng.normal(size=norm.num_features)
    norm.bias.data[:] = rng.normal(size=norm.num_features)
    return norm


def round_trip(model, example, tmp_path, other_batch=None, **options):
    """Export, reload from disk, and return the max difference on the example and on a
    batch of another size (the batch axis is dynamic)."""
    path = tmp_path / "model.onnx"
    to_onnx(model, example, path, **options)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    normalize = options.get("normalize") if options.get("fold_normalize", True) else None
    diffs = [max_abs_difference(path, model, example, normalize)]
    if other_batch is not None:
        diffs.append(max_abs_difference(path, model, other_batch, normalize))
    return max(diffs)


def mnist_cnn():
    return nn.Sequential([nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 7 * 7, 10)])


def norm_model():
    return nn.Sequential([nn.Linear(20, 32), with_running_stats(nn.BatchNorm1d(32)), nn.GELU(),
                          nn.Dropout(0.5), nn.LayerNorm(32), nn.GELU(), nn.Dropout(0.2),
                          nn.Linear(32, 5)])


MODELS = {
    "mlp": (lambda: nn.Sequential([nn.Linear(784, 128), F.relu, nn.Linear(128, 10)]), (784,)),
    "mnist_cnn": (mnist_cnn, (1, 28, 28)),
    "batchnorm_layernorm_gelu_dropout": (norm_model, (20,)),
}


@pytest.mark.parametrize("name", MODELS)
def test_models_round_trip(name, tmp_path):
    simplegrad.manual_seed(0)
    build, shape = MODELS[name]
    model = build()
    assert round_trip(model, normal(8, *shape), tmp_path, normal(3, *shape, seed=1)) <= TOLERANCE


LAYERS = {
    "linear": (lambda: nn.Linear(6, 4), (6,)),
    "linear_no_bias_3d": (lambda: nn.Linear(6, 4, bias=False), (5, 6)),
    "conv2d_stride_padding": (lambda: nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 2)),
                              (2, 9, 8)),
    "conv2d_no_bias": (lambda: nn.Conv2d(2, 3, 3, bias=False), (2, 5, 5)),
    "max_pool2d_padding": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 7, 6)),
    "avg_pool2d_padding": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 7, 6)),
    "conv2d_groups_dilation_same": (lambda: nn.Conv2d(4, 6, (4, 3), padding="same", dilation=2,
                                                      groups=2), (4, 9, 8)),
    "conv2d_depthwise_valid": (lambda: nn.Conv2d(3, 3, 3, stride=2, padding="valid", groups=3),
                               (3, 9, 8)),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2, groups=1), (3, 11)),
    "conv1d_same_groups": (lambda: nn.Conv1d(4, 2, 4, padding="same", groups=2), (4, 9)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                    output_padding=1, groups=2, dilation=1),
                         (4, 5, 4)),
    "conv_transpose2d_dilation": (lambda: nn.ConvTranspose2d(2, 3, (2, 3), stride=(1, 2),
                                                             dilation=2, bias=False), (2, 4, 5)),
    "max_pool2d_ceil_dilation": (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=(1, 2),
                                                      ceil_mode=True), (2, 8, 9)),
    "avg_pool2d_ceil_exclude_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                         count_include_pad=False), (2, 8, 7)),
    "avg_pool2d_ceil": (lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                        (2, 8, 7)),
    "adaptive_avg_pool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 7, 5)),
    "adaptive_avg_pool2d_global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 7, 5)),
    "upsample_nearest": (lambda: nn.Upsample(scale_factor=2), (2, 3, 4)),
    "upsample_bilinear": (lambda: nn.Upsample(size=(5, 7), mode="bilinear",
                                              align_corners=True), (2, 3, 4)),
    "upsample_linear": (lambda: nn.Upsample(scale_factor=1.5, mode="linear"), (2, 6)),
    "zero_pad2d": (lambda: nn.ZeroPad2d(2), (2, 3, 4)),
    "zero_pad2d_sides_and_crop": (lambda: nn.ZeroPad2d((1, -1, 0, 2)), (2, 3, 4)),
    "group_norm": (lambda: nn.GroupNorm(2, 4), (4, 3, 5)),
    "group_norm_1d_no_affine": (lambda: nn.GroupNorm(3, 6, affine=False), (6, 7)),
    "relu": (nn.ReLU, (7,)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), (7,)),
    "gelu": (nn.GELU, (7,)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), (7,)),
    "silu": (nn.SiLU, (7,)),
    "softplus": (nn.Softplus, (7,)),
    "softplus_beta_threshold": (lambda: nn.Softplus(beta=2.0, threshold=1.0), (7,)),
    "tanh": (nn.Tanh, (7,)),
    "sigmoid": (nn.Sigmoid, (7,)),
    "softmax": (nn.Softmax, (7,)),
    "softmax_dim1": (lambda: nn.Softmax(dim=1), (4, 3)),
    "log_softmax": (nn.LogSoftmax, (7,)),
    "flatten": (nn.Flatten, (2, 3, 4)),
    "flatten_middle": (lambda: nn.Flatten(2, 3), (2, 3, 4, 5)),
    "dropout": (lambda: nn.Dropout(0.9), (7,)),
    "identity": (nn.Identity, (7,)),
    "batchnorm1d": (lambda: with_running_stats(nn.BatchNorm1d(4)), (4,)),
    "batchnorm1d_length": (lambda: with_running_stats(nn.BatchNorm1d(4)), (4, 5)),
    "batchnorm2d": (lambda: with_running_stats(nn.BatchNorm2d(3)), (3, 4, 4)),
    "batchnorm2d_no_affine": (lambda: nn.BatchNorm2d(3, affine=False), (3, 4, 4)),
    "layernorm": (lambda: nn.LayerNorm(6, eps=1e-3), (6,)),
    "layernorm_2d_no_affine": (lambda: nn.LayerNorm((3, 6), elementwise_affine=False), (3, 6)),
    "elu": (lambda: nn.ELU(0.7), (7,)), "celu": (lambda: nn.CELU(1.5), (7,)),
    "selu": (nn.SELU, (7,)), "hardsigmoid": (nn.Hardsigmoid, (7,)),
    "hardswish": (nn.Hardswish, (7,)), "softsign": (nn.Softsign, (7,)),
    "hardtanh": (lambda: nn.Hardtanh(-2.0, 1.5), (7,)), "relu6": (nn.ReLU6, (7,)),
    "mish": (nn.Mish, (7,)), "log_sigmoid": (nn.LogSigmoid, (7,)),
    "quick_gelu": (nn.QuickGELU, (7,)), "softmin": (lambda: nn.Softmin(dim=1), (4, 3)),
    "F.relu": (lambda: F.relu, (7,)), "F.sigmoid": (lambda: F.sigmoid, (7,)),
    "F.tanh": (lambda: F.tanh, (7,)), "F.gelu": (lambda: F.gelu, (7,)),
    "F.silu": (lambda: F.silu, (7,)), "F.softplus": (lambda: F.softplus, (7,)),
    "F.leaky_relu": (lambda: F.leaky_relu, (7,)), "F.softmax": (lambda: F.softmax, (7,)),
    "F.log_softmax": (lambda: F.log_softmax, (7,)), "F.flatten": (lambda: F.flatten, (2, 3)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_each_layer_round_trips(name, tmp_path):
    simplegrad.manual_seed(0)
    build, shape = LAYERS[name]
    model = nn.Sequential([build()])
    example = normal(4, *shape) * 3  # spread out, so relu/leaky_relu/gelu see both signs
    assert round_trip(model, example, tmp_path, normal(2, *shape, seed=2)) <= TOLERANCE


def test_embedding_takes_integer_ids(tmp_path):
    simplegrad.manual_seed(0)
    model = nn.Sequential([nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 3)])
    ids = np.random.default_rng(0).integers(0, 10, size=(5, 3))
    proto = to_onnx(model, ids, tmp_path / "e.onnx")
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert max_abs_difference(tmp_path / "e.onnx", model, ids) <= TOLERANCE


def test_file_names_opset_dynamic_batch_and_metadata(tmp_path):
    model = nn.Sequential([nn.Linear(3, 2)]).train()
    proto = to_onnx(model, normal(4, 3), tmp_path / "m.onnx", metadata={"classes": "a,b"})
    loaded = onnx.load(tmp_path / "m.onnx")
    assert loaded == proto and sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    assert [i.name for i in loaded.graph.input] == ["input"]
    assert [o.name for o in loaded.graph.output] == ["output"]
    assert loaded.opset_import[0].version >= 17
    dims = loaded.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 3
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props["classes"] == "a,b" and props["input_shape"] == '["batch", 3]'
    assert model.training and model[0].training  # export used eval mode, then restored


def test_normalisation_folded_or_recorded(tmp_path):
    simplegrad.manual_seed(0)
    model = nn.Sequential([nn.Linear(3, 2)])
    raw = normal(4, 3) * 50 + 100
    folded = round_trip(model, raw, tmp_path, normalize=(100.0, 50.0))
    assert folded <= TOLERANCE
    proto = to_onnx(model, raw, normalize=(100.0, 50.0), fold_normalize=False)
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["normalize"] == '{"mean": 100.0, "std": 50.0, "folded": false}'
    assert [n.op_type for n in proto.graph.node][:2] == ["MatMul", "Add"]
    # not folded: the file expects inputs already normalised
    assert max_abs_difference(proto, model, (raw - 100) / 50) <= TOLERANCE


class Chain(nn.Module):
    """A custom module whose forward calls its layers one after another."""

    def __init__(self):
        super().__init__()
        self.first, self.act = nn.Linear(4, 6), nn.Tanh()
        self.rest = nn.Sequential([nn.Linear(6, 3), nn.Softmax()])

    def forward(self, x):
        return self.rest(self.act(self.first(x)))


class Residual(Chain):
    """Arithmetic between layers: export cannot follow it."""

    def forward(self, x):
        return self.rest(self.act(self.first(x)) + 1.0)


def test_custom_module_made_of_chained_layers(tmp_path):
    simplegrad.manual_seed(0)
    model = Chain()
    assert round_trip(model, normal(5, 4), tmp_path) <= TOLERANCE
    assert "forward" not in vars(model.first)  # the tracing hooks are gone


class Reordered(nn.Sequential):
    """A Sequential subclass with its own forward: export follows the calls, not the list."""

    def forward(self, x):
        return self[0](self[1](x) * 2.0)


def test_sequential_subclass_with_its_own_forward_is_traced(tmp_path):
    simplegrad.manual_seed(0)

    class Backwards(nn.Sequential):
        def forward(self, x):
            return self[0](self[1](x))

    model = Backwards([nn.Linear(4, 3), nn.Linear(2, 4)])
    assert round_trip(model, normal(3, 2), tmp_path) <= TOLERANCE


@pytest.mark.parametrize("model,message", [
    (nn.Sequential([nn.Linear(4, 3), lambda t: t * 2]), r"layer 1 \(<lambda>\): not a supported"),
    (nn.Sequential([nn.Sequential([nn.ReLU(), Residual()])]),
     "cannot export Residual: its forward does more than call supported layers"),
    (nn.Sequential([nn.Linear(4, 4), nn.BatchNorm1d(4, track_running_stats=False)]),
     r"layer 1 \(BatchNorm1d\): uses batch statistics"),
    (Residual(), "cannot export Residual"),
    (nn.Sequential([nn.Linear(4, 2), nn.Sequential([nn.ReLU(), nn.ModuleList()])]),
     r"layer 1.1 \(ModuleList\): not a supported layer"),
    (nn.Sequential([nn.Linear(4, 2), nn.Linear(3, 1)]),
     r"layer 1 \(Linear\) fails on the example input \(shape \(2, 2\)\): linear: "
     r"input \(2, 2\) does not fit weight \(3, 1\)"),
    (nn.Sequential([nn.Flatten(0)]), r"layer 0 \(Flatten\): flattens the batch axis"),
    (Reordered([nn.Linear(3, 2), nn.Linear(4, 3)]), "cannot export Reordered: its forward"),
    (Reordered([nn.Linear(4, 3), nn.Linear(4, 3)]), r"Reordered fails on the example input"),
])
def test_unsupported_layer_is_one_clear_error(model, message, tmp_path):
    with pytest.raises(ExportError, match=message) as error:
        to_onnx(model, normal(2, 4), tmp_path / "x.onnx")
    assert "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())


def test_without_onnx_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "simplegrad\[onnx\]"'):
        to_onnx(nn.Sequential([nn.ReLU()]), normal(1, 2))


def test_importing_simplegrad_does_not_import_onnx():
    code = "import sys, simplegrad, simplegrad.export, simplegrad.viz; " \
           "assert 'onnx' not in sys.modules and 'graphviz' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
