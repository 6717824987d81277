"""Shared test helpers: the float64 finite-difference check and the optional PyTorch oracle,
for any function or for a row of the shared op table (simplegrad.testing), and learnable
MNIST-style IDX files."""
import contextlib
import os
import signal
import struct

import numpy as np
import pytest

from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck


def _check_op(fn, arrays, torch_fn=None, atol=1e-6, **tolerances):
    """gradcheck `fn` on float64 copies of `arrays`; compare with `torch_fn` when torch exists.

    `fn` and `torch_fn` take one tensor per array. Integer arrays are passed through unchanged
    (labels), float arrays become float64 leaves.
    """
    result = gradcheck(fn, [np.array(a) for a in arrays], **tolerances)
    assert result, result.summary()
    if torch_fn is None:
        return
    try:
        import torch
    except ImportError:
        return
    ours = [Tensor(np.array(a, dtype=np.float64), requires_grad=True, dtype=np.float64)
            if np.asarray(a).dtype.kind == "f" else Tensor(np.asarray(a)) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True)
              if np.asarray(a).dtype.kind == "f" else torch.tensor(np.asarray(a)) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=atol)
    projection = np.random.default_rng(1).standard_normal(out.shape)
    (out * projection).sum().backward()
    (ref * torch.tensor(projection)).sum().backward()
    for mine, other in zip(ours, theirs):
        if mine.requires_grad:
            np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-6, atol=atol)


def _check_case(case, inputs=None, **tolerances):
    """`_check_op` for an OpCase of simplegrad.testing, at its inputs or at `inputs`."""
    try:
        import torch
    except ImportError:
        torch = None
    reference = case.torch_fn(torch) if torch is not None else None
    _check_op(case.fn, case.inputs if inputs is None else inputs, reference, **tolerances)


@pytest.fixture
def check_case():
    """Fixture form of `_check_case` (one row of the shared op table)."""
    return _check_case


@pytest.fixture
def check_op():
    """Fixture form of `_check_op` (gradcheck in float64, then PyTorch where installed)."""
    return _check_op


@pytest.fixture
def rng():
    """A seeded NumPy generator for test inputs."""
    return np.random.default_rng(0)


def _write_pattern_digits(folder, prefix, n, rng):
    """Learnable fake digits as IDX files `{prefix}-images/labels-...`: class k lights up a
    6x4 bar at a k-dependent spot, on noise."""
    labels = rng.permutation(np.arange(n) % 10)
    images = rng.integers(0, 60, (n, 28, 28))
    for k in range(10):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[labels == k, row:row + 6, col:col + 4] = 255
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + \
            struct.pack(f">{array.ndim}I", *array.shape)
        (folder / f"{prefix}-{kind}-ubyte").write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def pattern_digits():
    """`write(folder, prefix, n, rng)`: learnable MNIST-style IDX files (see above)."""
    return _write_pattern_digits


@pytest.fixture
def train_hook():
    """train_hook(hook): every in-process `simplegrad train` of this test also gets `hook` (a
    simplegrad_cli.run.hooks.Hook: the seam for watching a run or injecting a fault)."""
    from simplegrad_cli.run.hooks import installed

    with contextlib.ExitStack() as stack:
        def install(hook):
            stack.enter_context(installed(hook))
            return hook
        yield install


@pytest.fixture
def signals_after_step(train_hook):
    """signals_after_step(step, *signums): send ourselves those signals (default Ctrl-C) right
    after that optimizer step of the run being trained."""
    from simplegrad_cli.run.hooks import Hook

    plan = {}

    class Signals(Hook):
        def on_step(self, trainer, step):
            for signum in plan.pop(trainer.state.step, ()):
                os.kill(os.getpid(), signum)

    train_hook(Signals())
    return lambda step, *signums: plan.setdefault(step, []).extend(signums or [signal.SIGINT])
