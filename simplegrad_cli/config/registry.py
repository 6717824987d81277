"""The registry: each config name -> the library class (or function) it builds.

Types, defaults and keys come from the constructors' signatures (`schema.py` reads them); an
entry declares only what a signature cannot say: docs, ranges, config names (`in` -> `in_dim`),
hidden arguments, and for a layer (a LayerSpec) the input it takes, its output shape and its
parameters. A new layer of any shape is its class, its ONNX converter and one LayerSpec here:
validation, shapes, memory, JSON Schema, docs and gradcheck follow.
"""
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


LAYERS = {
    "linear": LayerSpec(
        nn.Linear, "`x @ W + b`; put a `flatten` before it for images",
        {"in": _size("input features", inferred=True), "out": _size("output features"),
         "bias": Arg("learn an additive bias")},
        rename={"in": "in_dim", "out": "out_dim"}, hide=("use_bias",),  # the original's spelling
        input=Input((1, 2), "(features,)", "in", axis=-1, hint="add `- flatten` before it"),
        parameters=lambda a: a["in"] * a["out"] + a["out"] * a["bias"],
        output=lambda a, shape: (*shape[:-1], a["out"]), aliases=("dense", "fc")),
    "conv2d": LayerSpec(
        nn.Conv2d, "2-D convolution; `in`/`out` are PyTorch's `in_channels`/`out_channels`",
        {"in": _size("input channels", inferred=True), "out": _size("output channels"),
         "kernel_size": _window("kernel size (square)"),
         "stride": _window("step between kernel positions"),
         "padding": _window("zero padding on each side", minimum=0),
         "bias": Arg("learn an additive bias per channel")},
        rename={"in": "in_channels", "out": "out_channels"}, hide=("dilation", "groups"),
        input=Input((3,), _IMAGES, "in", window=True), aliases=("conv",),
        parameters=lambda a: a["out"] * a["in"] * a["kernel_size"] ** 2 + a["out"] * a["bias"]),
    "max_pool2d": _pool(nn.MaxPool2d, "maximum over each window (padding at most half of it)",
                        "max-pooling", "maxpool"),
    "avg_pool2d": _pool(nn.AvgPool2d, "mean over each window; zero padding (at most half of it) "
                                      "counts in the mean", "average-pooling", "avgpool"),
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
    "leaky_relu": LayerSpec(nn.LeakyReLU, "`x` if `x > 0` else `negative_slope * x`", {
        "negative_slope": Arg("slope for negative inputs", minimum=0, maximum=1)},
        hide=("inplace",)),
    "softmax": LayerSpec(nn.Softmax, "over the last axis; not needed before `cross_entropy`, "
                                     "which includes it", hide=("dim", "axis")),
    "log_softmax": LayerSpec(nn.LogSoftmax, "log-probabilities over the last axis (`x` minus its "
                                            "logsumexp); `cross_entropy` of them is that of `x`",
                             hide=("dim", "axis")),
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
