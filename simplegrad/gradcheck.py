"""Finite-difference gradient checking, used by the tests and by `simplegrad gradcheck`.

The analytic gradient of <fn(inputs), v> (v a fixed random projection, which checks the whole
Jacobian, not just its column sums) is compared with central differences in float64.
"""
from dataclasses import dataclass

import numpy as np

from simplegrad.autograd import no_grad
from simplegrad.tensor import Tensor


@dataclass
class GradcheckResult:
    """Outcome of `gradcheck`: truthy when every element is within tolerance; else the worst."""

    ok: bool
    input_index: int = -1
    index: tuple = ()
    analytic: float = 0.0
    numeric: float = 0.0
    abs_err: float = 0.0
    rel_err: float = 0.0
    checked: int = 0

    def __bool__(self):
        return self.ok

    def summary(self):
        """One line naming the worst element (where the check came closest to failing)."""
        state = "ok" if self.ok else "MISMATCH"
        return (f"{state}: worst at input {self.input_index} index {self.index}: analytic "
                f"{self.analytic:.6g}, numeric {self.numeric:.6g}, abs err {self.abs_err:.3g}, "
                f"rel err {self.rel_err:.3g} ({self.checked} elements checked)")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Compare fn's analytic gradients with central differences for every float input.

    `inputs` is a Tensor/array or a sequence of them; float ones are cast to float64 and
    checked, integer ones (labels) are passed through as constants. An element passes when
    |analytic - numeric| <= atol + rtol * |numeric|.
    """
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    tensors = [_as_float64(x) for x in inputs]
    checked = [i for i, t in enumerate(tensors) if t.requires_grad]

    out = fn(*tensors)
    projection = np.random.default_rng(seed).standard_normal(out.shape)
    (out * projection).sum().backward()
    analytic = [tensors[i].grad if tensors[i].grad is not None
                else np.zeros_like(tensors[i].data) for i in checked]

    def objective():
        with no_grad():
            return float(np.sum(fn(*tensors).data * projection))

    worst = GradcheckResult(ok=True)
    worst_ratio, count = -1.0, 0
    for grad, i in zip(analytic, checked):
        data = tensors[i].data
        for index in np.ndindex(*data.shape):
            original = data[index]
            data[index] = original + eps
            plus = objective()
            data[index] = original - eps
            minus = objective()
            data[index] = original
            numeric = (plus - minus) / (2 * eps)
            err = abs(float(grad[index]) - numeric)
            ratio = err / (atol + rtol * abs(numeric))
            count += 1
            if ratio > worst_ratio:
                worst_ratio = ratio
                worst = GradcheckResult(
                    ok=True, input_index=i, index=index, analytic=float(grad[index]),
                    numeric=numeric, abs_err=err, rel_err=err / max(abs(numeric), 1e-300))
    worst.ok = worst_ratio <= 1.0
    worst.checked = count
    return worst


def _as_float64(x):
    """Float inputs become float64 leaves that require grad; integer inputs stay constants."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind == "f":
        return Tensor(data.astype(np.float64), requires_grad=True, dtype=np.float64)
    return Tensor(data)
