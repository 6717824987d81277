"""Seeing every gradient: retain_grad, register_hook and backward(trace=True), against PyTorch
where it has the same API."""
import io

import numpy as np
import pytest

import simplegrad as sg
from simplegrad import Tensor


def _diamond():
    x = Tensor(3.0, requires_grad=True, dtype=np.float64)
    u = x * 2
    return x, u


def test_retain_grad_keeps_an_intermediate_gradient_and_accumulates():
    x, u = _diamond()
    u.retain_grad()
    u.retain_grad()  # twice: still one hook
    y = u * u + u
    y.backward(retain_graph=True)
    assert u.grad == 13.0 and x.grad == 26.0
    y.backward()
    assert u.grad == 26.0  # accumulates across backward calls, as a leaf's does
    assert Tensor(1.0, requires_grad=True).retain_grad() is None  # a leaf: nothing to do


def test_intermediates_without_retain_grad_keep_none():
    x, u = _diamond()
    (u * u).backward()
    assert u.grad is None


def test_register_hook_sees_and_can_replace_the_gradient():
    x, u = _diamond()
    seen = []
    u.register_hook(lambda g: seen.append(float(g)))
    handle = u.register_hook(lambda g: g * 0.5)
    (u * u + u).backward()
    assert seen == [13.0] and x.grad == 13.0  # halved before reaching x
    handle.remove()
    x.zero_grad()
    (x * 2 * 3).backward()
    assert x.grad == 6.0


def test_a_leaf_hook_runs_before_accumulation_and_cannot_write_in_place():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g + 1)
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0, 4.0])

    def writes(g):
        g *= 2

    v = Tensor([1.0], requires_grad=True)
    v.register_hook(writes)
    with pytest.raises(ValueError, match="read-only"):
        (v * 1).sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(print)


def test_matches_pytorch_retain_grad_and_hooks():
    torch = pytest.importorskip("torch")
    a = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    h = a.tanh()
    h.retain_grad()
    h.register_hook(lambda g: g * 3)
    (h * h).sum().backward()
    ours_a = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    ours_h = ours_a.tanh()
    ours_h.retain_grad()
    ours_h.register_hook(lambda g: g * 3)
    (ours_h * ours_h).sum().backward()
    np.testing.assert_allclose(ours_a.grad, a.grad.numpy())
    np.testing.assert_allclose(ours_h.grad, h.grad.numpy())  # both retain the hooked gradient


def test_trace_prints_each_step_and_what_it_sends():
    x, u = _diamond()
    y = u * u + u
    out = io.StringIO()
    text = sg.trace_backward(y, names={"x": x}, file=out)
    assert out.getvalue() == text + "\n"
    assert text.splitlines() == [
        "step 1: Add, gradient of its output 1",
        "    input 0 -> step 2 (Mul): 1",
        "    input 1 -> step 3 (Mul): 1",
        "step 2: Mul, gradient of its output 1",
        "    input 0 -> step 3 (Mul): 6",
        "    input 1 -> step 3 (Mul): 6",
        "step 3: Mul, gradient of its output 13",
        "    input 0 -> leaf x: 26",
    ]
    assert x.grad == 26.0


def test_backward_trace_flag_prints_and_summarises_large_gradients(capsys):
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    (w * 2).sum().backward(trace=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step 1: Sum, gradient of its output 1"
    assert lines[-1] == "    input 0 -> leaf of shape (3, 4): shape (3, 4), norm 6.928"
