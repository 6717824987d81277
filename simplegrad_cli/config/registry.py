"""The registry: each config name -> the library class (or function) it builds. An entry says
only what the constructor's signature cannot (`schema.py` reads types, defaults and keys there):
docs, ranges, config names (`in` -> `in_dim`), hidden arguments, and for a layer (a LayerSpec)
its input, output shape and parameters. A new layer of any shape is its class, its ONNX converter
and one LayerSpec here: validation, shapes, memory, JSON Schema, docs and gradcheck follow."""
import math

from simplegrad import nn, optim
from simplegrad.nn import functional as F
from simplegrad.optim import lr_scheduler

from simplegrad_cli.config.spec import Arg, Entry, Input, LayerSpec

MAX_SIZE = 1_000_000  # largest layer width / batch size accepted; bigger is a typo
MAX_WINDOW = 1024  # largest kernel size, stride or padding


def _size(doc, inferred=False):
    """A positive count such as a layer width; `inferred` ones default to null."""
    if inferred:
        return Arg(f"{doc}; inferred from the data when null", default=None, minimum=1,
                   maximum=MAX_SIZE)
    return Arg(doc, minimum=1, maximum=MAX_SIZE)


def _window(doc, minimum=1):
    return Arg(doc, minimum=minimum, maximum=MAX_WINDOW)


_IMAGES = "(channels, height, width)"
_EPS = Arg("added to the variance for stability", minimum=0, exclusive_minimum=True, maximum=1.0)


def _pool(builds, doc, what, alias):
    """max_pool2d and avg_pool2d: a square window sliding over images."""
    return LayerSpec(builds, doc, {"kernel_size": _window(f"{what} window size (square)"),
                               "stride": _window("step between windows; null = kernel_size"),
                               "padding": _window("zero padding on each side", minimum=0)},
                 hide=("dilation", "return_indices", "ceil_mode", "count_include_pad",
                       "divisor_override"),  # library options the CLI does not offer yet
                 input=Input((3,), _IMAGES, window=True, pool=True), aliases=(alias,))


def _batch_norm(builds, doc, input, aliases=()):
    """batch_norm1d and batch_norm2d: the same arguments, for different input shapes."""
    return LayerSpec(builds, doc, {
        "num_features": _size("channels (or features) to normalise", inferred=True), "eps": _EPS,
        "momentum": Arg("running-statistics update rate", minimum=0, maximum=1)},
        hide=("affine", "track_running_stats"), input=input,
        parameters=lambda a: 2 * a["num_features"], batch_statistics=True, aliases=aliases)


def _conv(builds, doc, input, kernel, stride="step between kernel positions",
          padding="zero padding on each side", more=None, **settings):
    """conv1d, conv2d and conv_transpose2d: `in` and `out` channels (PyTorch's in_channels and
    out_channels), a kernel as wide as `kernel` says on each side, and a bias per channel."""
    sides = input.ndims[0] - 1
    return LayerSpec(builds, doc, {
        "in": _size("input channels", inferred=True), "out": _size("output channels"),
        "kernel_size": _window(kernel), "stride": _window(stride),
        "padding": _window(padding, minimum=0), **(more or {}),
        "bias": Arg("learn an additive bias per channel")},
        rename={"in": "in_channels", "out": "out_channels"}, hide=("dilation", "groups"),
        input=input, **settings,
        parameters=lambda a: a["in"] * a["out"] * a["kernel_size"] ** sides + a["out"] * a["bias"])


def _activation(builds, doc, args=None, check=None, zeroes=False, saturates=None):
    """An elementwise activation layer: any input, no parameters (in-place is not offered)."""
    return LayerSpec(builds, doc, args, hide=("inplace",), check=check, zeroes=zeroes,
                     saturates=saturates)


def _upsampled(args, shape):
    """(C, H', W') of an upsample: `size` square, or each side times `scale_factor`."""
    if args["size"] is not None:
        return (shape[0], args["size"], args["size"])
    return (shape[0], *(math.floor(side * args["scale_factor"]) for side in shape[1:]))


def _upsample_check(args):
    if (args["size"] is None) == (args["scale_factor"] is None):
        return None, "give exactly one of size and scale_factor"
    if args["align_corners"] is not None and args["mode"] != "bilinear":
        return "align_corners", f"align_corners is only for mode bilinear, not {args['mode']}"
    return None


def _transposed(args, shape):
    """(out, H', W') of a transposed convolution: (side - 1) * stride - 2 * padding + kernel
    + output_padding along each side."""
    return (args["out"], *((side - 1) * args["stride"] - 2 * args["padding"] + args["kernel_size"]
                           + args["output_padding"] for side in shape[1:]))


def _group_check(args):
    groups, channels = args["num_groups"], args["num_channels"]
    if channels is not None and channels % groups:
        return "num_groups", f"num_groups {groups} must divide the {channels} channels"
    return None


def _hardtanh_check(args):
    if args["min_val"] >= args["max_val"]:
        return "max_val", f"max_val {args['max_val']} must be above min_val {args['min_val']}"
    return None


LAYERS = {
    "linear": LayerSpec(
        nn.Linear, "`x @ W + b`; put a `flatten` before it for images",
        {"in": _size("input features", inferred=True), "out": _size("output features"),
         "bias": Arg("learn an additive bias")},
        rename={"in": "in_dim", "out": "out_dim"}, hide=("use_bias",),  # the original's spelling
        input=Input((1, 2), "(features,)", "in", axis=-1, hint="add `- flatten` before it"),
        parameters=lambda a: a["in"] * a["out"] + a["out"] * a["bias"],
        output=lambda a, shape: (*shape[:-1], a["out"]), aliases=("dense", "fc")),
    "conv2d": _conv(nn.Conv2d, "2-D convolution; `in`/`out` are PyTorch's `in_channels`/"
                               "`out_channels`", Input((3,), _IMAGES, "in", window=True),
                    "kernel size (square)", aliases=("conv",)),
    "conv1d": _conv(nn.Conv1d, "1-D convolution over sequences of shape (channels, length)",
                    Input((2,), "(channels, length)", "in", window=True), "kernel size"),
    "conv_transpose2d": _conv(
        nn.ConvTranspose2d, "transposed 2-D convolution (a learned upsampling, as in a U-Net "
                            "decoder): each side becomes (side - 1) x stride - 2 x padding + "
                            "kernel_size + output_padding",
        Input((3,), _IMAGES, "in"), "kernel size (square)", stride="upsampling factor",
        padding="rows and columns cropped from each side",
        more={"output_padding": _window("extra rows and columns on one side (less than stride)",
                                        minimum=0)},
        output=_transposed, aliases=("deconv",),
        check=lambda a: None if a["output_padding"] < a["stride"] else (
            "output_padding", f"output_padding {a['output_padding']} must be smaller than "
                              f"stride {a['stride']}")),
    "max_pool2d": _pool(nn.MaxPool2d, "maximum over each window (padding at most half of it)",
                        "max-pooling", "maxpool"),
    "avg_pool2d": _pool(nn.AvgPool2d, "mean over each window; zero padding (at most half of it) "
                                      "counts in the mean", "average-pooling", "avgpool"),
    "adaptive_avg_pool2d": LayerSpec(
        nn.AdaptiveAvgPool2d, "averages each image down to output_size x output_size, whatever "
                              "its size (global average pooling with 1)",
        {"output_size": _size("height and width of the output")},
        input=Input((3,), _IMAGES), aliases=("global_avg_pool",),
        output=lambda a, shape: (shape[0], a["output_size"], a["output_size"])),
    "upsample": LayerSpec(
        nn.Upsample, "resizes images to `size` or by `scale_factor` (give one)",
        {"size": Arg("height and width of the output", default=None, minimum=1,
                     maximum=MAX_SIZE),
         "scale_factor": Arg("factor applied to height and width", minimum=0,
                             exclusive_minimum=True, maximum=MAX_WINDOW),
         "mode": Arg("how new pixels are computed", choices=["nearest", "nearest-exact",
                                                              "bilinear", "area"]),
         "align_corners": Arg("bilinear only: corners of input and output pixels line up; "
                              "null = false")},
        hide=("recompute_scale_factor",), input=Input((3,), _IMAGES), output=_upsampled,
        check=_upsample_check, example={"scale_factor": 2.0}),
    "zero_pad2d": LayerSpec(
        nn.ZeroPad2d, "a border of zeros around each image: height and width grow by "
                      "2 x padding",
        {"padding": _window("rows and columns of zeros on each side", minimum=0)},
        input=Input((3,), _IMAGES), aliases=("pad",),
        output=lambda a, shape: (shape[0], *(side + 2 * a["padding"] for side in shape[1:]))),
    "flatten": LayerSpec(nn.Flatten, "everything after the batch axis becomes one axis",
                         hide=("start_dim", "end_dim"),
                         output=lambda a, shape: (math.prod(shape),)),
    "relu": LayerSpec(nn.ReLU, "`max(x, 0)`", zeroes=True),
    "sigmoid": LayerSpec(nn.Sigmoid, "`1 / (1 + exp(-x))`", saturates=(0.0, 1.0)),
    "tanh": LayerSpec(nn.Tanh, "hyperbolic tangent", saturates=(-1.0, 1.0)),
    "gelu": LayerSpec(nn.GELU, "Gaussian error linear unit (exact erf form)",
                      hide=("approximate",)),
    "silu": LayerSpec(nn.SiLU, "`x * sigmoid(x)` (swish)"),
    "softplus": LayerSpec(nn.Softplus, "`log(1 + exp(beta * x)) / beta`, a smooth `relu`",
                          {"beta": Arg("sharpness", minimum=0, exclusive_minimum=True),
                           "threshold": Arg("where `beta * x > threshold` the output is `x` "
                                            "itself")}),
    "leaky_relu": _activation(nn.LeakyReLU, "`x` if `x > 0` else `negative_slope * x`", {
        "negative_slope": Arg("slope for negative inputs", minimum=0, maximum=1)}),
    "softmax": LayerSpec(nn.Softmax, "over the last axis; not needed before `cross_entropy`, "
                                     "which includes it", hide=("dim", "axis")),
    "log_softmax": LayerSpec(nn.LogSoftmax, "log-probabilities over the last axis (`x` minus its "
                                            "logsumexp); `cross_entropy` of them is that of `x`",
                             hide=("dim", "axis")),
    "elu": _activation(nn.ELU, "`x` if `x > 0` else `alpha * (exp(x) - 1)`",
                       {"alpha": Arg("the output approaches -alpha for very negative inputs",
                                     minimum=0)}),
    "celu": _activation(nn.CELU, "`x` if `x > 0` else `alpha * (exp(x / alpha) - 1)`",
                        {"alpha": Arg("scale of the negative part", minimum=0,
                                      exclusive_minimum=True)}),
    "selu": _activation(nn.SELU, "self-normalising ELU: fixed `scale * elu(x, alpha)`"),
    "hardtanh": _activation(nn.Hardtanh, "`x` clamped to [min_val, max_val]",
                            {"min_val": Arg("lower bound"), "max_val": Arg("upper bound")},
                            check=_hardtanh_check),
    "relu6": _activation(nn.ReLU6, "`min(max(x, 0), 6)`", zeroes=True),
    "hardsigmoid": _activation(nn.Hardsigmoid, "`relu6(x + 3) / 6`, a piecewise-linear sigmoid",
                               saturates=(0.0, 1.0)),
    "hardswish": _activation(nn.Hardswish, "`x * relu6(x + 3) / 6` (MobileNetV3)"),
    "mish": _activation(nn.Mish, "`x * tanh(softplus(x))`"),
    "log_sigmoid": _activation(nn.LogSigmoid, "`log(sigmoid(x))`, computed stably"),
    "softsign": _activation(nn.Softsign, "`x / (1 + |x|)`"),
    "quick_gelu": _activation(nn.QuickGELU, "`x * sigmoid(1.702 x)`, CLIP's GELU approximation"),
    "softmin": LayerSpec(nn.Softmin, "`softmax(-x)` over the last axis", hide=("dim", "axis")),
    "dropout": LayerSpec(nn.Dropout, "zeroes activations while training only", {
        "p": Arg("probability of zeroing each activation while training", minimum=0,
                 maximum=0.999)}),
    "layer_norm": LayerSpec(nn.LayerNorm, "normalises over the last axis",
                            {"normalized_shape": _size("size of the last axis", inferred=True),
                             "eps": _EPS}, hide=("elementwise_affine",),
                            input=Input(None, "any", "normalized_shape", axis=-1),
                            parameters=lambda a: 2 * a["normalized_shape"]),
    "batch_norm1d": _batch_norm(nn.BatchNorm1d, "batch statistics per feature (or channel)",
                                Input((1, 2), "(features,) or (channels, length)",
                                      "num_features"), aliases=("batchnorm",)),
    "batch_norm2d": _batch_norm(nn.BatchNorm2d, "batch statistics per channel of images",
                                Input((3,), _IMAGES, "num_features")),
    "group_norm": LayerSpec(
        nn.GroupNorm, "normalises each sample over groups of channels: independent of the batch "
                      "size, for small batches",
        {"num_groups": _size("groups the channels are split into (must divide them)"),
         "num_channels": _size("channels", inferred=True), "eps": _EPS},
        hide=("affine",), input=Input((1, 2, 3), "(channels,), (channels, length) or "
                                                 "(channels, height, width)", "num_channels"),
        parameters=lambda a: 2 * a["num_channels"], check=_group_check,
        example={"num_groups": 2}, aliases=("groupnorm",)),
}

LOSSES = {
    "cross_entropy": Entry(F.cross_entropy, "softmax cross-entropy against the integer class "
                                            "labels", aliases=("ce", "crossentropy", "nll")),
    "mse": Entry(F.mse_loss, "mean squared error between the outputs and one-hot labels",
                 one_hot=True),
    "binary_cross_entropy": Entry(F.binary_cross_entropy_with_logits, "sigmoid + binary cross-"
                                  "entropy per output against one-hot labels (multi-label style)",
                                  one_hot=True, aliases=("bce",)),
}

_LR = dict(minimum=0, exclusive_minimum=True)  # a huge lr is legal: it shows divergence
_WEIGHT_DECAY = dict(minimum=0, maximum=1.0)
_ADAM_ARGS = {
    "lr": Arg("learning rate", **_LR),
    "betas": Arg("decay rates of the first and second moment estimates", minimum=0,
                 maximum=0.99999),
    "eps": Arg("added to the denominator for stability", minimum=0, exclusive_minimum=True,
               maximum=1.0),
}

OPTIMIZERS = {
    "sgd": Entry(optim.SGD, "stochastic gradient descent, optionally with momentum", {
        "lr": Arg("learning rate", default=0.01, **_LR),
        "momentum": Arg("momentum factor", minimum=0, maximum=0.9999),
        "nesterov": Arg("use Nesterov momentum (needs momentum > 0)"),
        "weight_decay": Arg("L2 penalty added to the gradient", **_WEIGHT_DECAY),
    }, hide=("dampening",), per_weight=lambda o: 1 if o["momentum"] else 0),
    "adam": Entry(optim.Adam, "Adam: steps scaled by running moment estimates", {
        **_ADAM_ARGS, "weight_decay": Arg("L2 penalty added to the gradient", **_WEIGHT_DECAY)},
        hide=("beta1", "beta2"),  # the original simplegrad's spelling of betas
        per_weight=lambda o: 3),  # two moments and a scratch buffer
    "adamw": Entry(optim.AdamW, "Adam with weight decay applied directly to the weights", {
        **_ADAM_ARGS, "weight_decay": Arg("decoupled weight decay", **_WEIGHT_DECAY)},
        hide=("beta1", "beta2"), per_weight=lambda o: 3),
}

_EPOCHS = dict(minimum=1, maximum=100_000)

SCHEDULERS = {
    "step": Entry(lr_scheduler.StepLR, "multiply the learning rate by `gamma` every "
                                       "`step_size` epochs", {
        "step_size": Arg("epochs between learning-rate decays", **_EPOCHS),
        "gamma": Arg("factor applied to the learning rate at each decay", minimum=0,
                     exclusive_minimum=True, maximum=1.0),
    }),
    "cosine": Entry(lr_scheduler.CosineAnnealingLR, "cosine decay from `lr` to `eta_min`", {
        "t_max": Arg("epochs of one cosine half-period; null = train.epochs - warmup_epochs",
                     default=None, **_EPOCHS),
        "eta_min": Arg("learning rate at the end of the cosine", minimum=0),
    }, rename={"t_max": "T_max"}),
}
