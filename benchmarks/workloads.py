"""The benchmark workloads: model shapes, synthetic MNIST-shaped data and shared initial weights.

Every backend gets the same data and the same initial weights, generated here with NumPy, so a
difference in time is a difference in the engine and a difference in loss is a bug.
Weights use simplegrad's layouts: Linear (in, out), Conv2d (out, in, kh, kw) as PyTorch.
"""
from dataclasses import dataclass

import numpy as np

IMAGE_SHAPE = (1, 28, 28)
NUM_FEATURES = 28 * 28
NUM_CLASSES = 10
LEARNING_RATE = 1e-3


@dataclass(frozen=True)
class MLPWorkload:
    """One MLP setting: hidden layer widths and batch size (784 -> hidden... -> 10, ReLU)."""

    name: str
    hidden: tuple
    batch_size: int

    def layer_sizes(self):
        """[784, *hidden, 10]: the in/out width of every Linear layer."""
        return [NUM_FEATURES, *self.hidden, NUM_CLASSES]


@dataclass(frozen=True)
class CNNWorkload:
    """The small CNN: conv3x3(1->8, pad 1) relu maxpool2, conv3x3(8->16, pad 1) relu maxpool2,
    flatten (16*7*7 = 784), linear -> 10."""

    name: str = "cnn-b64"
    batch_size: int = 64
    channels: tuple = (8, 16)


@dataclass(frozen=True)
class GPTWorkload:
    """A small GPT (a character-level language model): token and position embeddings, `layers`
    pre-norm blocks of causal self-attention and a 4x GELU MLP, a final LayerNorm and a head."""

    name: str = "gpt-small"
    batch_size: int = 12
    context: int = 64
    width: int = 128
    heads: int = 4
    layers: int = 4
    vocab: int = 65


MLP_WORKLOADS = (
    MLPWorkload("mlp-h128-b128", (128,), 128),
    MLPWorkload("mlp-h128-b2048", (128,), 2048),
    MLPWorkload("mlp-h512x2-b128", (512, 512), 128),
)
CNN_WORKLOAD = CNNWorkload()
CNN_WORKLOADS = (CNN_WORKLOAD, CNNWorkload("cnn-b256", 256))
GPT_WORKLOAD = GPTWorkload()
GPT_WORKLOADS = (GPT_WORKLOAD,)
ALL_WORKLOADS = (*MLP_WORKLOADS, *CNN_WORKLOADS, *GPT_WORKLOADS)
STEPPED = (CNNWorkload, GPTWorkload)  # timed per step (a fixed number of steps), not per epoch


def make_data(num_samples=60_000, seed=0):
    """MNIST-shaped synthetic data: x float32 (n, 784), y int64 labels in [0, 10).

    Pixels are standard normal, like normalised MNIST; labels are the argmax of a fixed random
    linear map of the pixels, so the loss really falls. (Pixels in [0, 1) kill most ReLU units
    of the MLP; their zero gradients make Adam's first moment decay into float32 subnormals
    after ~700 steps, and each epoch then gets slower than the last: the timings would measure
    subnormal arithmetic, not the engine.)
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((num_samples, NUM_FEATURES), dtype=np.float32)
    direction = rng.standard_normal((NUM_FEATURES, NUM_CLASSES)).astype(np.float32)
    y = np.argmax(x @ direction, axis=1).astype(np.int64)
    return x, y


def _uniform(rng, shape, bound):
    """float32 U(-bound, bound) samples."""
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def mlp_weights(workload, seed=1):
    """[(W (in, out), b (out,)), ...] with Xavier-uniform W and small uniform biases."""
    rng = np.random.default_rng(seed)
    sizes = workload.layer_sizes()
    return [(_uniform(rng, (n_in, n_out), (6.0 / (n_in + n_out)) ** 0.5),
             _uniform(rng, (n_out,), n_in ** -0.5))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def cnn_weights(workload=CNN_WORKLOAD, seed=2):
    """[(W1 (8,1,3,3), b1), (W2 (16,8,3,3), b2), (W_fc (784, 10), b_fc)], PyTorch-style bounds."""
    rng = np.random.default_rng(seed)
    c1, c2 = workload.channels
    layers = []
    for c_in, c_out in ((IMAGE_SHAPE[0], c1), (c1, c2)):
        bound = (c_in * 9) ** -0.5
        layers.append((_uniform(rng, (c_out, c_in, 3, 3), bound), _uniform(rng, (c_out,), bound)))
    n_in = c2 * (IMAGE_SHAPE[1] // 4) * (IMAGE_SHAPE[2] // 4)
    layers.append((_uniform(rng, (n_in, NUM_CLASSES), (6.0 / (n_in + NUM_CLASSES)) ** 0.5),
                   _uniform(rng, (NUM_CLASSES,), n_in ** -0.5)))
    return layers


def as_images(x):
    """View flat (n, 784) rows as (n, 1, 28, 28) NCHW images (no copy)."""
    return x.reshape(-1, *IMAGE_SHAPE)


def make_tokens(workload=GPT_WORKLOAD, num_sequences=512, seed=3):
    """(x, y) int64 token windows (n, context) and the next tokens: a noisy repeating text,
    so the loss really falls."""
    rng = np.random.default_rng(seed)
    text = np.tile(rng.integers(0, workload.vocab, 997), num_sequences // 8 + 2)
    text = np.where(rng.random(text.shape) < 0.1, rng.integers(0, workload.vocab, text.shape),
                    text)
    starts = rng.integers(0, len(text) - workload.context - 1, num_sequences)
    windows = np.stack([text[s:s + workload.context + 1] for s in starts]).astype(np.int64)
    return windows[:, :-1], windows[:, 1:]


def gpt_weights(workload=GPT_WORKLOAD, seed=4):
    """{name: array} of the GPT's initial weights; Linear weights (in, out), as simplegrad's."""
    rng = np.random.default_rng(seed)
    w, v = workload.width, workload.vocab

    def normal(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    weights = {"tokens": normal(v, w), "positions": normal(workload.context, w),
               "norm.weight": np.ones(w, np.float32), "norm.bias": np.zeros(w, np.float32),
               "head.weight": normal(w, v), "head.bias": np.zeros(v, np.float32)}
    for i in range(workload.layers):
        for name, shape in (("qkv", (w, 3 * w)), ("proj", (w, w)), ("fc", (w, 4 * w)),
                            ("out", (4 * w, w))):
            weights[f"{i}.{name}.weight"] = normal(*shape)
            weights[f"{i}.{name}.bias"] = np.zeros(shape[1], np.float32)
        for norm in ("norm1", "norm2"):
            weights[f"{i}.{norm}.weight"] = np.ones(w, np.float32)
            weights[f"{i}.{norm}.bias"] = np.zeros(w, np.float32)
    return weights
