"""Export a model to ONNX: `to_onnx(model, example_input, "model.onnx")`.

The model is a `Sequential` (nested ones too) of supported layers and plain functions such as
`F.relu`, or any Module whose forward calls supported layers one after another. Each layer
becomes a few ONNX nodes built with `onnx.helper` (opset 17, float32, a dynamic batch axis);
Dropout is the identity and BatchNorm uses its running statistics, as in eval mode. `onnx` is
imported only here, and only when you export (`pip install "simplegrad[onnx]"`).
"""
import json
import math
import os

import numpy as np

from simplegrad import nn
from simplegrad.atomic import write_bytes
from simplegrad.autograd import no_grad
from simplegrad.errors import first_line
from simplegrad.nn import functional as F
from simplegrad.ops import resample
from simplegrad.ops.conv import _pair, conv_window
from simplegrad.tensor import Tensor

OPSET = 17
IR_VERSION = 8  # the IR that introduced opset 17: runtimes from 2022 on can load the file
INPUT, OUTPUT = "input", "output"
INSTALL_HINT = 'pip install "simplegrad[onnx]"'


class ExportError(ValueError):
    """The model holds something ONNX export cannot translate (named in the message)."""


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(f"ONNX export needs the onnx package: {INSTALL_HINT}") from None
    return onnx


class _Builder:
    """Collects ONNX nodes and weights; every value gets a fresh, readable name."""

    def __init__(self, onnx):
        self.onnx, self.nodes, self.weights, self.count = onnx, [], [], 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def weight(self, hint, array, dtype=np.float32):
        """Add a constant (a weight or a shape) and return its name."""
        name = self.name(hint)
        self.weights.append(self.onnx.numpy_helper.from_array(np.asarray(array, dtype), name))
        return name

    def node(self, op, inputs, output=None, **attributes):
        """Add one node; returns the name of its output."""
        output = output or self.name(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output], name=self.name(op),
                                                     **attributes))
        return output


# ---- one converter per layer: (builder, layer, input name, input shape) -> output name -------
def _linear(b, layer, x, shape):
    y = b.node("MatMul", [x, b.weight("weight", layer.weight.data)])  # W is (in, out): no transpose
    return b.node("Add", [y, b.weight("bias", layer.bias.data)]) if layer.bias is not None else y


def _conv(b, layer, x, shape):
    """Conv1d, Conv2d (any padding, dilation, groups) and ConvTranspose2d: ONNX Conv and
    ConvTranspose take the same weight layouts as simplegrad (and PyTorch)."""
    inputs = [x, b.weight("weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(b.weight("bias", layer.bias.data))
    dims = len(layer.kernel_size)  # Conv1d: a height-1 conv2d whose height is not exported
    lift = lambda v, fill: v if dims == 2 or isinstance(v, str) else (fill, *v)  # noqa: E731
    win = conv_window(lift(layer.kernel_size, 1), lift(layer.stride, 1), lift(layer.padding, 0),
                      lift(layer.dilation, 1))
    axes = slice(2 - dims, None)
    attributes = dict(kernel_shape=list(layer.kernel_size), strides=[win.sh, win.sw][axes],
                      pads=[win.pt, win.pl][axes] + [win.pb, win.pr][axes],
                      dilations=[win.dh, win.dw][axes], group=layer.groups)
    if layer.transposed:
        return b.node("ConvTranspose", inputs, output_padding=list(layer.output_padding),
                      **attributes)
    return b.node("Conv", inputs, **attributes)


def _pool(op, **extra):
    def convert(b, layer, x, shape):
        kh, kw = _pair(layer.kernel_size, "kernel_size")
        sh, sw = _pair(layer.stride, "stride")
        ph, pw = _pair(layer.padding, "padding", 0)
        options = dict(ceil_mode=int(layer.ceil_mode))
        if op == "MaxPool":
            if layer.return_indices:
                raise ExportError("return_indices=True returns two tensors; export takes "
                                  "layers with one output")
            options["dilations"] = list(_pair(layer.dilation, "dilation"))
        else:
            if layer.divisor_override:
                raise ExportError("divisor_override has no ONNX AveragePool equivalent")
            options["count_include_pad"] = int(layer.count_include_pad)
        return b.node(op, [x], kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph, pw],
                      **options, **extra)
    return convert


def _resample_nodes(b, x, matrices):
    """R_h @ x @ R_w^T (or x @ R^T for one axis): the same matrices simplegrad multiplies by,
    so the exported resampling is exactly simplegrad's."""
    if len(matrices) == 2:
        x = b.node("MatMul", [b.weight("rows", matrices[0]), x])
    return b.node("MatMul", [x, b.weight("columns", matrices[-1].T)])


def _adaptive_avg_pool(b, layer, x, shape):
    return _resample_nodes(b, x, resample.adaptive_matrices(shape[2:], layer.output_size))


def _upsample(b, layer, x, shape):
    return _resample_nodes(b, x, resample.interpolation_matrices(
        shape[2:], layer.size, layer.scale_factor, layer.mode, layer.align_corners,
        layer.recompute_scale_factor))


def _group_norm(b, layer, x, shape):
    """Reshape to (N, groups, -1), InstanceNormalization (each group is one "instance"
    channel), reshape back, then the per-channel weight and bias."""
    groups, channel = layer.num_groups, (layer.num_channels,) + (1,) * (len(shape) - 2)
    grouped = b.node("Reshape", [x, b.weight("shape", [0, groups, -1], np.int64)])
    normed = b.node("InstanceNormalization", [grouped, b.weight("ones", np.ones(groups)),
                                              b.weight("zeros", np.zeros(groups))],
                    epsilon=float(layer.eps))
    out = b.node("Reshape", [normed, b.weight("shape", [0, *shape[1:]], np.int64)])
    if layer.weight is not None:
        out = b.node("Mul", [out, b.weight("weight", layer.weight.data.reshape(channel))])
        out = b.node("Add", [out, b.weight("bias", layer.bias.data.reshape(channel))])
    return out


def _unary(op, **attributes):
    return lambda b, layer, x, shape: b.node(op, [x], **attributes)


def _leaky_relu(b, layer, x, shape):
    return b.node("LeakyRelu", [x], alpha=float(layer.negative_slope))


def _gelu_nodes(b, x, approximate):
    """GELU from opset-17 nodes: x * Phi(x) with Erf, or the tanh approximation."""
    if approximate == "tanh":
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Add", [x, b.node("Mul", [cube, b.weight("c", 0.044715)])])
        t = b.node("Tanh", [b.node("Mul", [inner, b.weight("k", math.sqrt(2 / math.pi))])])
    else:
        t = b.node("Erf", [b.node("Mul", [x, b.weight("k", 1 / math.sqrt(2))])])
    half_x = b.node("Mul", [x, b.weight("half", 0.5)])
    return b.node("Mul", [half_x, b.node("Add", [t, b.weight("one", 1.0)])])


def _silu(b, layer, x, shape):
    return b.node("Mul", [x, b.node("Sigmoid", [x])])


def _softplus(b, layer, x, shape):
    """ONNX's Softplus has no beta or threshold: Softplus(beta x) / beta, x above threshold."""
    beta = b.weight("beta", layer.beta)
    scaled = b.node("Mul", [x, beta])
    soft = b.node("Div", [b.node("Softplus", [scaled]), beta])
    linear = b.node("Greater", [scaled, b.weight("threshold", layer.threshold)])
    return b.node("Where", [linear, x, soft])


def _clip(lo_attr, hi_attr, lo=None, hi=None):
    """Hardtanh and ReLU6 as ONNX Clip (bounds are inputs since opset 11)."""
    def convert(b, layer, x, shape):
        low = getattr(layer, lo_attr) if lo is None else lo
        high = getattr(layer, hi_attr) if hi is None else hi
        return b.node("Clip", [x, b.weight("min", low), b.weight("max", high)])
    return convert


def _mish(b, layer, x, shape):
    """x * tanh(softplus(x)) (ONNX's Mish op needs opset 18)."""
    return b.node("Mul", [x, b.node("Tanh", [b.node("Softplus", [x])])])


def _log_sigmoid(b, layer, x, shape):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return b.node("Neg", [b.node("Softplus", [b.node("Neg", [x])])])


def _quick_gelu(b, layer, x, shape):
    return b.node("Mul", [x, b.node("Sigmoid", [b.node("Mul", [x, b.weight("k", 1.702)])])])


def _softmin(b, layer, x, shape):
    return b.node("Softmax", [b.node("Neg", [x])], axis=int(layer.dim))


def _gelu(b, layer, x, shape):
    return _gelu_nodes(b, x, layer.approximate)


def _softmax(op):
    return lambda b, layer, x, shape: b.node(op, [x], axis=int(layer.dim))


def _flatten_nodes(b, x, shape, start_dim, end_dim):
    start, end = start_dim % len(shape), end_dim % len(shape)
    if start == 0 and end > 0:
        raise ExportError("flattens the batch axis into the others; the exported batch axis "
                          "must stay separate (use start_dim=1)")
    target = [0] * start + [-1] + list(shape[end + 1:])  # 0 keeps that axis (the batch)
    return b.node("Reshape", [x, b.weight("shape", target, np.int64)])


def _flatten(b, layer, x, shape):
    return _flatten_nodes(b, x, shape, layer.start_dim, layer.end_dim)


def _identity(b, layer, x, shape):
    return b.node("Identity", [x])


def _batch_norm(b, layer, x, shape):
    if not layer.track_running_stats:
        raise ExportError("uses batch statistics even in eval mode (track_running_stats=False); "
                          "only running statistics can be exported")
    c = layer.num_features
    scale = layer.weight.data if layer.weight is not None else np.ones(c)
    shift = layer.bias.data if layer.bias is not None else np.zeros(c)
    return b.node("BatchNormalization", [x, b.weight("scale", scale), b.weight("shift", shift),
                                         b.weight("running_mean", layer.running_mean),
                                         b.weight("running_var", layer.running_var)],
                  epsilon=float(layer.eps))


def _layer_norm(b, layer, x, shape):
    normalized = layer.normalized_shape
    scale = layer.weight.data if layer.weight is not None else np.ones(normalized)
    shift = layer.bias.data if layer.bias is not None else np.zeros(normalized)
    return b.node("LayerNormalization", [x, b.weight("scale", scale), b.weight("shift", shift)],
                  axis=-len(normalized), epsilon=float(layer.eps))


def _zero_pad(b, layer, x, shape):
    """ONNX Pad lists every axis's start then every axis's end: (top, left), (bottom, right)."""
    left, right, top, bottom = layer.padding
    others = [0] * (len(shape) - 2)
    pads = [*others, top, left, *others, bottom, right]
    return b.node("Pad", [x, b.weight("pads", pads, np.int64)])


def _embedding(b, layer, x, shape):
    return b.node("Gather", [b.weight("table", layer.weight.data), x], axis=0)


LAYERS = {
    nn.Linear: _linear, nn.Conv1d: _conv, nn.Conv2d: _conv, nn.ConvTranspose2d: _conv,
    nn.MaxPool2d: _pool("MaxPool"), nn.AvgPool2d: _pool("AveragePool"),
    nn.AdaptiveAvgPool2d: _adaptive_avg_pool, nn.Upsample: _upsample, nn.GroupNorm: _group_norm,
    nn.ZeroPad2d: _zero_pad,
    nn.ReLU: _unary("Relu"), nn.Sigmoid: _unary("Sigmoid"), nn.Tanh: _unary("Tanh"),
    nn.LeakyReLU: _leaky_relu, nn.GELU: _gelu, nn.SiLU: _silu, nn.Softplus: _softplus,
    nn.Softmax: _softmax("Softmax"), nn.LogSoftmax: _softmax("LogSoftmax"), nn.Flatten: _flatten,
    nn.Dropout: _identity, nn.Identity: _identity, nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm, nn.LayerNorm: _layer_norm, nn.Embedding: _embedding,
    nn.ELU: lambda b, layer, x, shape: b.node("Elu", [x], alpha=float(layer.alpha)),
    nn.CELU: lambda b, layer, x, shape: b.node("Celu", [x], alpha=float(layer.alpha)),
    nn.SELU: _unary("Selu"), nn.Hardsigmoid: _unary("HardSigmoid", alpha=1 / 6, beta=0.5),
    nn.Hardswish: _unary("HardSwish"), nn.Softsign: _unary("Softsign"),
    nn.Hardtanh: _clip("min_val", "max_val"), nn.ReLU6: _clip(None, None, 0.0, 6.0),
    nn.Mish: _mish, nn.LogSigmoid: _log_sigmoid, nn.QuickGELU: _quick_gelu,
    nn.Softmin: _softmin,
}
# Plain functions allowed in a Sequential, with their default arguments.
FUNCTIONS = {
    F.relu: _unary("Relu"), F.sigmoid: _unary("Sigmoid"), F.tanh: _unary("Tanh"),
    F.leaky_relu: _unary("LeakyRelu", alpha=0.01),
    F.gelu: lambda b, f, x, shape: _gelu_nodes(b, x, "none"), F.silu: _silu,
    F.softplus: lambda b, f, x, shape: _softplus(b, nn.Softplus(), x, shape),
    F.softmax: _unary("Softmax", axis=-1), F.log_softmax: _unary("LogSoftmax", axis=-1),
    F.flatten: lambda b, f, x, shape: _flatten_nodes(b, x, shape, 1, -1),
    Tensor.relu: _unary("Relu"), Tensor.sigmoid: _unary("Sigmoid"), Tensor.tanh: _unary("Tanh"),
}


def _describe(step):
    return type(step).__name__ if isinstance(step, nn.Module) else \
        getattr(step, "__qualname__", type(step).__name__)


def _converter(path, step):
    convert = LAYERS.get(type(step)) if isinstance(step, nn.Module) else FUNCTIONS.get(step)
    if convert is None:
        kinds = sorted(cls.__name__ for cls in LAYERS)
        raise ExportError(f"cannot export {path} ({_describe(step)}): not a supported layer; "
                          f"ONNX export supports {', '.join(kinds)}, Sequential, and "
                          f"F.relu/sigmoid/tanh/gelu/leaky_relu/softmax/log_softmax/flatten")
    return convert


# ---- from a model to a flat list of steps -----------------------------------------------------
def _traced_calls(module, x):
    """The supported layers `module.forward(x)` calls, in order, if each feeds the next."""
    calls = []
    inner = [m for m in module.modules() if m is not module and type(m) in LAYERS]

    def recording(layer):
        original = type(layer).forward

        def forward(arg, *args, **kwargs):
            out = original(layer, arg, *args, **kwargs)
            calls.append((layer, arg, out))
            return out
        return forward

    for layer in inner:
        layer.forward = recording(layer)
    try:
        out = _run(type(module).__name__, module, x)
    finally:
        for layer in inner:
            vars(layer).pop("forward", None)
    chained = bool(calls) and calls[0][1] is x and calls[-1][2] is out and all(
        later[1] is earlier[2] for earlier, later in zip(calls, calls[1:]))
    if not chained:
        raise ExportError(f"cannot export {type(module).__name__}: its forward does more than "
                          "call supported layers one after another (export follows such chains "
                          "and Sequential models; use layer modules such as nn.ReLU rather than "
                          "functions or arithmetic between layers)")
    return [layer for layer, _, _ in calls]


def _steps(model, x, path="model"):
    """[(path, layer or function, input shape)] in order, running `x` through them; returns
    (steps, output Tensor)."""
    if isinstance(model, nn.Sequential) and type(model).forward is nn.Sequential.forward:
        steps = []
        for index, item in enumerate(model):
            inner, x = _steps(item, x, f"{path}.{index}" if path != "model" else f"layer {index}")
            steps += inner
        return steps, x
    if isinstance(model, nn.Module) and type(model) not in LAYERS:
        if not any(type(m) in LAYERS for m in model.modules()):
            _converter(path, model)  # raises, naming it
        layers = _traced_calls(model, x)
        return _steps(nn.Sequential(layers), x, path)
    _converter(path, model)
    return [(path, model, x.shape)], _run(f"{path} ({_describe(model)})", model, x)


def _run(what, step, x):
    """step(x) without a graph; a failure names the step (the model does not fit the example)."""
    try:
        with no_grad():
            return step(x)
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(f"{what} fails on the example input (shape {x.shape}): "
                          f"{first_line(error)}") from None


def _example(example_input):
    """The example as a Tensor: integer ids stay int64 (for Embedding), floats become float32."""
    array = np.asarray(example_input.data if isinstance(example_input, Tensor) else example_input)
    if array.ndim == 0:
        raise ExportError("example_input needs a batch axis: shape (batch, ...)")
    dtype = np.int64 if array.dtype.kind in "iu" else np.float32
    return Tensor(array.astype(dtype, copy=False), dtype=dtype)


def _with_eval(model, run):
    """Run `run()` with every module in eval mode, then restore each one's training flag."""
    modules = list(model.modules()) if isinstance(model, nn.Module) else []
    modes = [m.training for m in modules]
    for m in modules:
        m.training = False
    try:
        return run()
    finally:
        for m, mode in zip(modules, modes):
            m.training = mode


def to_onnx(model, example_input, path=None, normalize=None, fold_normalize=True,
            metadata=None, doc_string=None):
    """Export `model` (in eval form) to an ONNX file at `path`; returns the onnx.ModelProto.

    `example_input` (batch, ...) fixes the per-sample shape; the batch axis stays dynamic.
    `normalize=(mean, std)`: the preprocessing the model was trained with; folded into the
    graph (the file takes raw inputs) or, with fold_normalize=False, recorded in the metadata.
    """
    onnx = _onnx()
    x = _example(example_input)
    steps, out = _with_eval(model, lambda: _steps(model, x))
    b = _Builder(onnx)
    name = INPUT
    properties = {"producer": "simplegrad", "input_shape": json.dumps(["batch", *x.shape[1:]])}
    if normalize is not None:
        mean, std = (float(v) for v in normalize)
        properties["normalize"] = json.dumps({"mean": mean, "std": std, "folded": fold_normalize})
        if fold_normalize:
            if x.dtype != np.float32:
                raise ExportError("normalize applies to float inputs, not integer ids")
            name = b.node("Sub", [name, b.weight("mean", mean)])
            name = b.node("Div", [name, b.weight("std", std)])
    for step_path, step, shape in steps:
        try:
            name = _converter(step_path, step)(b, step, name, shape)
        except ExportError as error:
            raise ExportError(f"cannot export {step_path} ({_describe(step)}): {error}") from None
    b.node("Identity", [name], OUTPUT)
    elem = onnx.TensorProto.INT64 if x.dtype == np.int64 else onnx.TensorProto.FLOAT
    graph = onnx.helper.make_graph(
        b.nodes, "simplegrad_model",
        [onnx.helper.make_tensor_value_info(INPUT, elem, ["batch", *x.shape[1:]])],
        [onnx.helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT,
                                            ["batch", *out.shape[1:]])],
        initializer=b.weights)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   producer_name="simplegrad", ir_version=IR_VERSION,
                                   doc_string=doc_string or "")
    onnx.helper.set_model_props(proto, {**properties, **{k: str(v) for k, v in
                                                         (metadata or {}).items()}})
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        write_bytes(path, proto.SerializeToString())
    return proto


def compare(onnx_model, model, inputs, normalize=None):
    """Run the exported model (ModelProto, path or bytes) with onnxruntime on `inputs`; returns
    (max abs difference from simplegrad's eval output, max abs value of that output).

    `normalize` is what was given to `to_onnx` (folded): simplegrad gets normalised inputs.
    """
    import onnxruntime

    if hasattr(onnx_model, "SerializeToString"):  # a ModelProto; else a path or bytes
        onnx_model = onnx_model.SerializeToString()
    elif not isinstance(onnx_model, bytes):
        onnx_model = os.fspath(onnx_model)
    session = onnxruntime.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    x = _example(inputs)
    theirs = session.run([OUTPUT], {INPUT: x.data})[0]
    ours_in = x if normalize is None else (x - float(normalize[0])) / float(normalize[1])
    with no_grad():
        ours = _with_eval(model, lambda: model(ours_in)).data
    if theirs.shape != ours.shape:
        raise ExportError(f"onnxruntime output shape {theirs.shape} differs from simplegrad's "
                          f"{ours.shape}")
    if not ours.size:
        return 0.0, 0.0
    return float(np.max(np.abs(theirs.astype(np.float64) - ours))), float(np.max(np.abs(ours)))


def max_abs_difference(onnx_model, model, inputs, normalize=None):
    """The largest absolute difference between onnxruntime's and simplegrad's outputs."""
    return compare(onnx_model, model, inputs, normalize)[0]


__all__ = ["to_onnx", "compare", "max_abs_difference", "ExportError", "OPSET"]
