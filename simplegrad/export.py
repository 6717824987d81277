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
from simplegrad.ops.conv import _pair
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


def _conv2d(b, layer, x, shape):
    inputs = [x, b.weight("weight", layer.weight.data)]
    if layer.bias is not None:
        inputs.append(b.weight("bias", layer.bias.data))
    (ph, pw) = layer.padding
    return b.node("Conv", inputs, kernel_shape=list(layer.kernel_size),
                  strides=list(layer.stride), pads=[ph, pw, ph, pw])


def _pool(op, **extra):
    def convert(b, layer, x, shape):
        kh, kw = _pair(layer.kernel_size, "kernel_size")
        sh, sw = _pair(layer.stride, "stride")
        ph, pw = _pair(layer.padding, "padding", 0)
        return b.node(op, [x], kernel_shape=[kh, kw], strides=[sh, sw], pads=[ph, pw, ph, pw],
                      **extra)
    return convert


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


def _embedding(b, layer, x, shape):
    return b.node("Gather", [b.weight("table", layer.weight.data), x], axis=0)


LAYERS = {
    nn.Linear: _linear, nn.Conv2d: _conv2d,
    nn.MaxPool2d: _pool("MaxPool"), nn.AvgPool2d: _pool("AveragePool", count_include_pad=1),
    nn.ReLU: _unary("Relu"), nn.Sigmoid: _unary("Sigmoid"), nn.Tanh: _unary("Tanh"),
    nn.LeakyReLU: _leaky_relu, nn.GELU: _gelu, nn.SiLU: _silu, nn.Softplus: _softplus,
    nn.Softmax: _softmax("Softmax"), nn.LogSoftmax: _softmax("LogSoftmax"), nn.Flatten: _flatten,
    nn.Dropout: _identity, nn.Identity: _identity, nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm, nn.LayerNorm: _layer_norm, nn.Embedding: _embedding,
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
