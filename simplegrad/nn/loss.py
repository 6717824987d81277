"""Losses as modules, with PyTorch's constructor arguments: `nn.CrossEntropyLoss()(logits,
target)` is `F.cross_entropy(logits, target)`. A class or element `weight` (and BCEWithLogits'
`pos_weight`) is kept as a buffer, so it is saved in `state_dict()` as PyTorch saves it."""
import numpy as np

from simplegrad.nn import losses_functional as L
from simplegrad.nn.checks import check_number
from simplegrad.nn.module import Module
from simplegrad.tensor import Tensor


class _Loss(Module):
    """Shared base: checks and keeps `reduction` ("mean", "sum" or "none")."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = L.reduction_of(size_average, reduce, reduction)

    def _keep(self, name, array):
        """Register `array` (a weight) as a buffer; None stays a plain None attribute."""
        if array is None:
            setattr(self, name, None)
        else:
            self.register_buffer(name, np.array(array.data if isinstance(array, Tensor)
                                                else array, dtype=np.float32))

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C, d1, ...) against class indices or probabilities."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(size_average, reduce, reduction)
        self._keep("weight", weight)
        self.ignore_index = int(ignore_index)
        self.label_smoothing = check_number(label_smoothing, "CrossEntropyLoss label_smoothing",
                                            0, 1)

    def forward(self, input, target):  # noqa: A002  (PyTorch's argument name)
        return L.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C, d1, ...) at class indices."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self._keep("weight", weight)
        self.ignore_index = int(ignore_index)

    def forward(self, input, target):  # noqa: A002
        return L.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error."""

    def forward(self, input, target):  # noqa: A002
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error."""

    def forward(self, input, target):  # noqa: A002
        return L.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (prefer BCEWithLogitsLoss on logits)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self._keep("weight", weight)

    def forward(self, input, target):  # noqa: A002
        return L.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(BCELoss):
    """Sigmoid + binary cross-entropy in one stable op; `pos_weight` scales the positives."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        self._keep("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return L.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class HuberLoss(_Loss):
    """Squared error below `delta`, linear above it."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = check_number(delta, "HuberLoss delta", 0, low_inclusive=False)

    def forward(self, input, target):  # noqa: A002
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by `beta` (beta=0: the L1 loss)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = check_number(beta, "SmoothL1Loss beta", 0)

    def forward(self, input, target):  # noqa: A002
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)
