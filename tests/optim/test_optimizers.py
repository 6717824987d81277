"""SGD, Adam, AdamW, RMSprop and Adadelta: PyTorch's update rules, in place, float32-preserving,
resumable."""
import numpy as np
import pytest

from simplegrad import Tensor, optim
from simplegrad.nn import Parameter

CONFIGS = [
    (optim.SGD, "SGD", dict(lr=0.1)),
    (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9)),
    (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, "SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    (optim.Adam, "Adam", dict(lr=1e-2)),
    (optim.Adam, "Adam", dict(lr=3e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (optim.AdamW, "AdamW", dict(lr=1e-2)),
    (optim.AdamW, "AdamW", dict(lr=3e-2, betas=(0.85, 0.995), weight_decay=0.2)),
    (optim.RMSprop, "RMSprop", dict(lr=1e-2)),
    (optim.RMSprop, "RMSprop", dict(lr=1e-2, alpha=0.9, eps=1e-6, weight_decay=0.1,
                                    momentum=0.8, centered=True)),
    (optim.RMSprop, "RMSprop", dict(lr=3e-3, momentum=0.5)),
    (optim.Adadelta, "Adadelta", dict()),
    (optim.Adadelta, "Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((8, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)


def _loss(x, w, b):
    """A small non-quadratic objective that both libraries can evaluate."""
    out = x @ w + b
    return (out * out).mean() + (w * w * w).sum() * 0.01


def _run_simplegrad(cls, kwargs, steps, dtype=np.float64):
    x, w0, b0 = _problem()
    w, b = Parameter(w0, dtype=dtype), Parameter(b0, dtype=dtype)
    opt = cls([w, b], **kwargs)
    for step in range(steps):
        opt.zero_grad()
        _loss(Tensor(x, dtype=dtype), w, b).backward()
        if step % 3 == 1:
            b.grad = None  # b skips some steps: its own step count must lag behind w's
        opt.step()
    return w.data, b.data


def _run_torch(torch, name, kwargs, steps):
    x, w0, b0 = (torch.tensor(a) for a in _problem())
    w, b = w0.clone().requires_grad_(), b0.clone().requires_grad_()
    opt = getattr(torch.optim, name)([w, b], **kwargs)
    for step in range(steps):
        opt.zero_grad()
        _loss(x, w, b).backward()
        if step % 3 == 1:
            b.grad = None
        opt.step()
    return w.detach().numpy(), b.detach().numpy()


@pytest.mark.parametrize("cls, name, kwargs", CONFIGS)
def test_matches_torch_over_20_steps(cls, name, kwargs):
    torch = pytest.importorskip("torch")
    ours = _run_simplegrad(cls, kwargs, 20)
    theirs = _run_torch(torch, name, kwargs, 20)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)  # observed: ~1e-15


@pytest.mark.parametrize("cls, name, kwargs", CONFIGS)
def test_float32_stays_float32_and_updates_in_place(cls, name, kwargs):
    x, w0, b0 = _problem()
    w, b = Parameter(w0), Parameter(b0)
    arrays = (w.data, b.data)
    opt = cls([w, b], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        _loss(Tensor(x), w, b).backward()
        grads = (w.grad, w.grad.copy())
        opt.step()
        np.testing.assert_array_equal(grads[0], grads[1])  # gradients are never modified
    assert w.data is arrays[0] and b.data is arrays[1]
    assert w.dtype == np.float32 and b.dtype == np.float32
    for state in opt.state:
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


@pytest.mark.parametrize("cls, name, kwargs", CONFIGS)
def test_state_dict_resumes_bitwise(cls, name, kwargs):
    x, w0, b0 = _problem()

    def train(opt, params, steps):
        for _ in range(steps):
            opt.zero_grad()
            _loss(Tensor(x), *params).backward()
            opt.step()

    params = [Parameter(w0), Parameter(b0)]
    opt = cls(params, **kwargs)
    train(opt, params, 4)
    saved_params = [p.data.copy() for p in params]
    saved_state = opt.state_dict()
    train(opt, params, 4)

    fresh = [Parameter(a) for a in saved_params]
    opt2 = cls(fresh, lr=123.0)
    opt2.load_state_dict(saved_state)
    assert opt2.lr == kwargs.get("lr", 1.0)
    train(opt2, fresh, 4)
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p.data, q.data)


def test_adam_uses_per_parameter_step_counts():
    w, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.Adam([w, b])
    w.grad = np.ones(2, dtype=np.float32)
    opt.step()
    b.grad = np.ones(2, dtype=np.float32)
    opt.step()
    assert opt.state[0]["step"] == 2 and opt.state[1]["step"] == 1


def test_lr_is_a_python_float_that_can_be_set():
    opt = optim.SGD([Parameter(np.ones(3))], lr=np.float64(0.5))
    assert type(opt.lr) is float and opt.lr == 0.5
    opt.lr = 0.25
    assert opt.lr == 0.25
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        opt.lr = -1.0


def test_load_state_dict_rejects_mismatches():
    opt = optim.Adam([Parameter(np.ones(3))])
    opt.params[0].grad = np.ones(3, dtype=np.float32)
    opt.step()
    state = opt.state_dict()
    with pytest.raises(ValueError, match="not 'SGD'"):
        optim.SGD([Parameter(np.ones(3))], lr=0.1).load_state_dict(state)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([Parameter(np.ones(4))]).load_state_dict(state)


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([Parameter([1.0])], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([Parameter([1.0])], betas=(0.9, 1.0))


def test_zero_grad_and_accepting_a_module():
    from simplegrad import nn
    model = nn.Linear(2, 3)
    opt = optim.SGD(model, lr=0.1)
    assert len(opt.params) == 2
    model(Tensor(np.ones((1, 2)))).sum().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_backward_through_a_graph_built_before_step_is_caught():
    import simplegrad as sg
    w = sg.nn.Parameter(np.ones((2, 2), dtype=np.float32))
    opt = sg.optim.SGD([w], lr=0.1)
    x = sg.Tensor(np.ones((1, 2)))
    (x @ w).sum().backward()
    stale = (x @ w).sum()  # saves w's array
    opt.step()             # ... which the update then overwrites in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale.backward()


@pytest.mark.parametrize("cls, name, kwargs", CONFIGS)
def test_a_parameter_unfrozen_after_the_optimizer_was_made_is_updated(cls, name, kwargs):
    frozen = Tensor(np.ones(3))  # requires_grad=False when the optimizer is built
    trained = Tensor(np.ones(3), requires_grad=True)
    opt = cls([frozen, trained], **kwargs)
    frozen.requires_grad_()
    ((frozen * 2).sum() + trained.sum()).backward()
    opt.step()
    assert not np.array_equal(frozen.data, np.ones(3))  # PyTorch updates it too
