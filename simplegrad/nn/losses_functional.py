"""The loss functions of `torch.nn.functional`, re-exported by `nn.functional`.

`reduction` is "mean", "sum" or "none" (PyTorch's deprecated `size_average`/`reduce` flags are
read as PyTorch reads them). `cross_entropy` and `nll_loss` take the class axis at dim 1 for
(N, C, d1, ...) inputs, as PyTorch; the original simplegrad's `cross_entropy_loss` (and the
Tensor method) keep the class axis last. The common case, mean cross-entropy without weights,
runs as one fused op (softmax and the loss together); the options are composed around
log-softmax, one line each.
"""
import numpy as np

from simplegrad.nn.coerce import as_constant, as_tensor
from simplegrad.ops.loss import BinaryCrossEntropy
from simplegrad.ops import where
from simplegrad.ops.softmax import BinaryCrossEntropyWithLogits, CrossEntropy
from simplegrad.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def reduction_of(size_average, reduce, reduction):
    """The reduction, reading PyTorch's deprecated flags as PyTorch does (reduce=False: "none",
    size_average=False: "sum"); checked to be one of "mean", "sum", "none"."""
    if size_average is not None or reduce is not None:
        reduction = "none" if reduce is False else "sum" if size_average is False else "mean"
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(loss, reduction):
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _same_shape(name, x, target, what="target"):
    """Refuse a target (or weight) whose shape would silently enlarge an elementwise loss:
    (N, 1) against (N,) broadcasts to (N, N) and averages the wrong pairs (PyTorch only warns)."""
    shape = np.shape(target.data if isinstance(target, Tensor) else target)
    try:
        joint = np.broadcast_shapes(x.shape, shape)
    except ValueError:
        joint = None
    if joint != x.shape:
        grows = f" (they would broadcast to {joint})" if joint else ""
        raise ValueError(f"{name}: {what} of shape {shape} does not match input of shape "
                         f"{x.shape}{grows}; reshape one of them")


def _elementwise(name, loss_of, input, target, reduction, weight, mean_by_weight=True):
    """An elementwise loss `loss_of(input - target)`, weighted, then reduced; PyTorch divides a
    weighted mean by the sum of the weights (huber_loss: by the element count)."""
    x = as_tensor(input)
    y = as_constant(target, x)
    _same_shape(name, x, y)
    loss = loss_of(x - y)
    if weight is None:
        return _reduce(loss, reduction)
    w = as_constant(weight, x)
    if np.shape(w) != x.shape:
        raise ValueError(f"{name}: weight of shape {np.shape(w)} must have the input's shape "
                         f"{x.shape}")
    loss = loss * w
    return loss.sum() / w.sum() if reduction == "mean" and mean_by_weight else \
        _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None,  # noqa: A002  (PyTorch's names)
             reduction="mean", weight=None):
    """Squared error (input - target) ** 2, optionally weighted per element."""
    return _elementwise("mse_loss", lambda d: d * d, input, target,
                        reduction_of(size_average, reduce, reduction), weight)


def l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
            reduction="mean", weight=None):
    """Absolute error |input - target| (gradient 0 where they are equal, as PyTorch)."""
    return _elementwise("l1_loss", lambda d: d.abs(), input, target,
                        reduction_of(size_average, reduce, reduction), weight)


def _huber(d, delta):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): quadratic near 0, then linear."""
    a = d.abs()
    return where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """Huber loss: squared error below `delta`, linear (slope delta) above it."""
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    return _elementwise("huber_loss", lambda d: _huber(d, delta), input, target,
                        reduction_of(None, None, reduction), weight, mean_by_weight=False)


def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction="mean", beta=1.0):
    """Huber loss divided by beta: 0.5 d^2 / beta below beta, |d| - 0.5 beta above (beta=0:
    the L1 loss)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    loss_of = (lambda d: d.abs()) if beta == 0 else (lambda d: _huber(d, beta) * (1.0 / beta))
    return _elementwise("smooth_l1_loss", loss_of, input, target,
                        reduction_of(size_average, reduce, reduction), None)


def _weighted(name, loss, x, weight, reduction):
    """loss * weight (a weight that broadcasts to the input's shape), then reduced."""
    if weight is not None:
        _same_shape(name, x, weight, "weight")
        loss = loss * as_constant(weight, x)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                         reduce=None, reduction="mean"):
    """-[y log x + (1 - y) log(1 - x)] for probabilities x (each log clamped at -100, as
    PyTorch); prefer binary_cross_entropy_with_logits, which is exact for any logit."""
    x = as_tensor(input)
    y = as_constant(target, x)
    _same_shape("binary_cross_entropy", x, y)
    return _weighted("binary_cross_entropy", BinaryCrossEntropy.apply(x, y), x, weight,
                     reduction_of(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None,  # noqa: A002
                                     size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable op, whose gradient is sigmoid(z) - y;
    `pos_weight` (broadcast along the last axis, as PyTorch) scales the positive term."""
    z = as_tensor(input)
    y = as_constant(target, z)
    _same_shape("binary_cross_entropy_with_logits", z, y)
    reduction = reduction_of(size_average, reduce, reduction)
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits.apply(z, y)
    else:
        _same_shape("binary_cross_entropy_with_logits", z, pos_weight, "pos_weight")
        loss = BinaryCrossEntropyWithLogits.apply(z, y, as_constant(pos_weight, z))
    return _weighted("binary_cross_entropy_with_logits", loss, z, weight, reduction)


# ---- class targets: nll_loss and cross_entropy ------------------------------------------------

def _class_axis(x):
    """The class axis: 1 for (N, C, d1, ...) inputs, 0 for an unbatched (C,) input."""
    return 1 if x.ndim > 1 else 0


def _classes_last(t):
    """(N, C, d1, ...) -> (N, d1, ..., C), for a Tensor or an array (2-D and less unchanged)."""
    if t.ndim <= 2:
        return t
    order = (0, *range(2, t.ndim), 1)
    return t.permute(order) if isinstance(t, Tensor) else np.transpose(t, order)


def _class_indices(name, x, target, probabilities_allowed):
    """`target` as integer class indices of shape (N, d1, ...), or None when it holds
    probabilities (floats of the input's shape). Whole-number floats count as indices (the
    original simplegrad's labels)."""
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have a class axis, got a 0-d tensor")
    expected = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    if probabilities_allowed and t.dtype.kind == "f" and t.shape == x.shape:
        return None
    if t.dtype.kind == "f" and t.shape == expected and np.array_equal(t, np.round(t)):
        t = t.astype(np.intp)
    if t.dtype.kind not in "iu" or t.shape != expected:
        kinds = "class indices" + (", or probabilities of the input's shape" if
                                   probabilities_allowed else "")
        raise ValueError(f"{name}: target of shape {t.shape} and dtype {t.dtype} does not fit "
                         f"input of shape {x.shape} (classes on dim {_class_axis(x)}, as "
                         f"PyTorch): expected integer {kinds} of shape {expected}"
                         + (" (for class-last logits use logits.cross_entropy_loss(target))"
                            if x.ndim > 2 else ""))
    return t.astype(np.intp, copy=False)


def _check_classes(name, labels, classes, ignore_index):
    """Raise unless every index is a class (0..classes - 1) or the ignore_index."""
    bad = labels[((labels < 0) | (labels >= classes)) & (labels != ignore_index)]
    if bad.size:
        raise ValueError(f"{name}: target {bad.flat[0]} is not a class of an input with "
                         f"{classes} classes (expected 0..{classes - 1} or the ignore_index "
                         f"{ignore_index})")


def _class_weight(name, weight, x):
    """The per-class weight as a constant array (or a Tensor needing grad), checked: (C,)."""
    w = as_constant(weight, x)
    classes = x.shape[_class_axis(x)]
    if np.shape(w) != (classes,):
        raise ValueError(f"{name}: weight must have shape ({classes},), one per class, got "
                         f"{np.shape(w)}")
    return w


def _picked(name, log_probs, labels, weight, ignore_index):
    """-log_probs[target] * weight[target] per position (0 where target == ignore_index), and
    those weights: the per-element NLL loss and what a weighted mean divides by."""
    classes = log_probs.shape[_class_axis(log_probs)]
    _check_classes(name, labels, classes, ignore_index)
    valid = labels != ignore_index
    safe = np.where(valid, labels, 0).reshape(-1)
    rows = _classes_last(log_probs).reshape(-1, classes)
    picked = rows[np.arange(safe.size), safe].reshape(labels.shape)
    if weight is None:
        w = valid.astype(log_probs.dtype)
    else:
        w = weight[safe.reshape(labels.shape)] * valid
    return -picked * w, w


def _nll_reduce(loss, w, reduction):
    return loss.sum() / w.sum() if reduction == "mean" else _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities `input` (N, C, d1, ...) at integer class
    `target` (N, d1, ...); a weighted mean divides by the weights of the targets."""
    x = as_tensor(input)
    reduction = reduction_of(size_average, reduce, reduction)
    labels = _class_indices("nll_loss", x, target, False)
    w = None if weight is None else _class_weight("nll_loss", weight, x)
    return _nll_reduce(*_picked("nll_loss", x, labels, w, ignore_index), reduction)


def cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                  ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits `input` (N, C, d1, ...; classes on dim 1, as PyTorch)
    against class indices (N, d1, ...) or probabilities of the input's shape.

    Without weight, label smoothing or ignored targets, the mean is one fused op; the rest is
    log-softmax + nll_loss, plus PyTorch's smoothing term."""
    x = as_tensor(input)
    reduction = reduction_of(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    labels = _class_indices("cross_entropy", x, target, True)
    plain = weight is None and label_smoothing == 0 and reduction == "mean"
    if plain and (labels is None or not np.any(labels == ignore_index)):  # the op checks them
        soft = None if labels is not None else _classes_last(as_constant(target, x))
        return CrossEntropy.apply(_classes_last(x), labels if soft is None else soft)
    axis, classes = _class_axis(x), x.shape[_class_axis(x)]
    w = None if weight is None else _class_weight("cross_entropy", weight, x)
    w_classes = None if w is None else w.reshape((classes,) + (1,) * (x.ndim - axis - 1))
    log_probs = x.log_softmax(axis=axis)
    if labels is None:  # probabilities, smoothed towards uniform
        y = as_constant(target, x)
        if label_smoothing:
            y = y * (1 - label_smoothing) + label_smoothing / classes
        terms = log_probs * y if w is None else log_probs * y * w_classes
        return _reduce(-terms.sum(axis=axis), reduction)
    loss, w_target = _picked("cross_entropy", log_probs, labels, w, ignore_index)
    nll = _nll_reduce(loss, w_target, reduction)
    if not label_smoothing:
        return nll
    every = log_probs if w is None else log_probs * w_classes
    smooth = -every.sum(axis=axis) * (labels != ignore_index)
    smooth = smooth.sum() / w_target.sum() if reduction == "mean" else _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def cross_entropy_loss(logits, targets):
    """The original simplegrad's loss: mean cross-entropy of logits with the class axis LAST
    (any number of leading axes) against integer classes or one-hot/soft rows; one fused op."""
    return as_tensor(logits).cross_entropy_loss(targets)
