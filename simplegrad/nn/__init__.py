"""Neural-network building blocks: `Module`, `Parameter`, layers, containers, and the
`functional` (F), `init`, `utils` and `weight_init` (the original simplegrad's
`xavier_init`) submodules.

`nn.MNISTLoader` is re-exported lazily from `simplegrad.data.mnist_loader`, so importing nn
never imports any data source.
"""
from simplegrad.nn import functional, init, utils, weight_init
from simplegrad.nn.activation import CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, \
    Identity, LeakyReLU, LogSigmoid, LogSoftmax, Mish, QuickGELU, ReLU, ReLU6, Sigmoid, SiLU, \
    Softmax, Softmin, Softplus, Softsign, Tanh
from simplegrad.nn.attention import MultiheadAttention
from simplegrad.nn.container import ModuleDict, ModuleList, Sequential
from simplegrad.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from simplegrad.nn.dropout import Dropout
from simplegrad.nn.embedding import Embedding
from simplegrad.nn.flatten import Flatten
from simplegrad.nn.linear import Linear
from simplegrad.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, \
    MSELoss, NLLLoss, SmoothL1Loss
from simplegrad.nn.module import Module, Parameter
from simplegrad.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from simplegrad.nn.padding import ZeroPad2d
from simplegrad.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d, Upsample
from simplegrad.nn.weight_init import xavier_init

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear", "Conv2d",
    "MaxPool2d", "AvgPool2d", "ReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "Softplus", "LeakyReLU",
    "Softmax", "LogSoftmax", "Identity", "Flatten", "Dropout", "LayerNorm", "BatchNorm1d",
    "ELU", "SELU", "CELU", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "LogSigmoid",
    "Softsign", "QuickGELU", "Softmin", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
    "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "MultiheadAttention",
    "Conv1d", "ConvTranspose2d", "MaxUnpool2d", "AdaptiveAvgPool2d", "Upsample", "GroupNorm",
    "BatchNorm2d", "ZeroPad2d", "Embedding", "functional", "init", "utils", "weight_init",
    "xavier_init", "MNISTLoader",
]


def __getattr__(name):
    """Import `MNISTLoader` only when it is first used (it belongs to the data layer)."""
    if name == "MNISTLoader":
        from simplegrad.data.mnist_loader import MNISTLoader
        return MNISTLoader
    raise AttributeError(f"module 'simplegrad.nn' has no attribute {name!r}")
