"""`simplegrad gradcheck`: finite-difference checks of every op and layer, or of one config.

Each case is a name, a function of tensors, and the float64 inputs it is checked at. Inputs
keep away from kinks (|x| > 0.2 for abs/relu, distinct values for max/maximum, positive
values for log/sqrt) so that central differences are meaningful.
"""
import time

import numpy as np


def _rng():
    return np.random.default_rng(0)


def _away(shape, low=0.2, high=1.5):
    """Random values with |x| in [low, high]: no kinks of abs/relu within reach of eps."""
    rng = _rng()
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def _positive(shape):
    return _rng().uniform(0.5, 2.0, shape)


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _op_cases():
    """(name, fn, inputs) for every differentiable Tensor op and functional form."""
    import simplegrad as sg
    from simplegrad.nn import functional as F

    a, b = _normal(3, 4), _normal(3, 4, seed=1)
    apart = a + np.sign(a - b) * 0.3  # |apart - b| >= 0.3: no ties for maximum/minimum
    labels = np.array([0, 2, 1], dtype=np.int64)
    images = _normal(2, 2, 5, 5)
    return [
        ("add", lambda x, y: x + y, [a, _normal(4, seed=1)]),
        ("sub", lambda x, y: x - y, [a, b]),
        ("mul", lambda x, y: x * y, [a, b]),
        ("div", lambda x, y: x / y, [a, _positive((3, 4))]),
        ("pow", lambda x: x ** 2.5, [_positive((3, 4))]),
        ("neg", lambda x: -x, [a]),
        ("exp", lambda x: x.exp(), [a]),
        ("log", lambda x: x.log(), [_positive((3, 4))]),
        ("sqrt", lambda x: x.sqrt(), [_positive((3, 4))]),
        ("abs", lambda x: x.abs(), [_away((3, 4))]),
        ("relu", lambda x: x.relu(), [_away((3, 4))]),
        ("leaky_relu", lambda x: x.leaky_relu(0.1), [_away((3, 4))]),
        ("sigmoid", lambda x: x.sigmoid(), [a]),
        ("tanh", lambda x: x.tanh(), [a]),
        ("gelu", lambda x: x.gelu(), [a]),
        ("clip", lambda x: x.clip(-0.5, 0.5), [_in_or_out()]),
        ("maximum", lambda x, y: x.maximum(y), [apart, b]),
        ("minimum", lambda x, y: x.minimum(y), [apart, b]),
        ("where", lambda x, y: sg.where(Tensor_bool(a > 0), x, y), [a, b]),
        ("matmul", lambda x, y: x @ y, [a, _normal(4, 2, seed=2)]),
        ("linear", lambda x, w, c: F.linear(x, w, c), [a, _normal(4, 2, seed=2),
                                                       _normal(2, seed=3)]),
        ("sum", lambda x: x.sum(axis=1), [a]),
        ("mean", lambda x: x.mean(axis=0, keepdims=True), [a]),
        ("max", lambda x: x.max(axis=1), [a]),
        ("min", lambda x: x.min(), [a]),
        ("var", lambda x: x.var(axis=1), [a]),
        ("logsumexp", lambda x: x.logsumexp(axis=1), [a]),
        ("reshape", lambda x: x.reshape(2, 6), [a]),
        ("transpose", lambda x: x.transpose(), [a]),
        ("flatten", lambda x: x.flatten(), [a]),
        ("squeeze", lambda x: x.squeeze(0), [_normal(1, 4)]),
        ("unsqueeze", lambda x: x.unsqueeze(1), [a]),
        ("getitem", lambda x: x[np.array([0, 2, 0]), 1:3], [a]),
        ("setitem", _setitem, [a, _normal(4, seed=4)]),
        ("cat", lambda x, y: sg.cat([x, y], axis=1), [a, b]),
        ("stack", lambda x, y: sg.stack([x, y], axis=0), [a, b]),
        ("softmax", lambda x: x.softmax(axis=-1), [a]),
        ("log_softmax", lambda x: x.log_softmax(axis=-1), [a]),
        ("cross_entropy", lambda x: x.cross_entropy_loss(labels), [a]),
        ("cross_entropy_soft", lambda x, t: x.cross_entropy_loss(t),
         [a, np.abs(b) / np.abs(b).sum(axis=1, keepdims=True)]),
        ("mse_loss", lambda x, y: F.mse_loss(x, y), [a, b]),
        ("bce_with_logits", lambda x: F.binary_cross_entropy_with_logits(
            x, (b > 0).astype(np.float64)), [a]),
        ("conv2d", lambda x, w, c: F.conv2d(x, w, c, stride=1, padding=1),
         [images, _normal(3, 2, 3, 3, seed=5), _normal(3, seed=6)]),
        ("conv2d_stride2", lambda x, w: F.conv2d(x, w, None, stride=2, padding=0),
         [images, _normal(3, 2, 3, 3, seed=5)]),
        ("max_pool2d", lambda x: F.max_pool2d(x, 2), [images]),
        ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, padding=1), [images]),
        ("layer_norm", lambda x, w, c: F.layer_norm(x, 4, w, c),
         [a, _positive(4), _normal(4, seed=7)]),
        ("batch_norm", lambda x, w, c: F.batch_norm(x, None, None, w, c, training=True),
         [_normal(5, 3, seed=8), _positive(3), _normal(3, seed=9)]),
        ("embedding", lambda w: F.embedding(np.array([[0, 2], [2, 1]]), w), [_normal(3, 4)]),
    ]


def Tensor_bool(mask):  # noqa: N802  (reads like a constructor)
    """A non-differentiable boolean condition tensor for `where`."""
    from simplegrad import Tensor

    return Tensor(mask)


def _in_or_out():
    """Values for clip(-0.5, 0.5) that are clearly inside or outside the range."""
    return np.array([[-1.0, -0.3, 0.2, 0.9]] * 3) + _normal(3, 4) * 0.05


def _setitem(x, v):
    y = x * 1.0
    y[1] = v
    return y * y


def _layer_cases():
    """(class name, module factory, input) for every registry layer; checked w.r.t. input and
    parameters. Required sizes are 3; sizes read off the input are filled in from it."""
    from simplegrad_cli import build, registry, schema

    cases = []
    for name, entry in registry.LAYERS.items():
        images = entry.input is not None and entry.input.ndims == (3,)
        x = _away((2, 2, 5, 5) if images else (3, 4))
        args = {key: 3 if field.default is schema.REQUIRED else field.default
                for key, field in schema.LAYERS[name].items()}
        if entry.input is not None and entry.input.size:
            args[entry.input.size] = x.shape[1:][entry.input.axis]
        cases.append((entry.builds.__name__, lambda name=name, args=args:
                      build.make_layer(name, args), x))
    return cases


def _module_fn(module):
    """fn(x, *params) running `module` with its parameters replaced by the given tensors.

    The global RNG is reseeded on every call so Dropout draws the same mask each time."""
    import simplegrad

    owners = []
    for name, _ in module.named_parameters():
        prefix, _, attr = name.rpartition(".")
        owner = dict(module.named_modules())[prefix] if prefix else module
        owners.append((owner, attr))

    def fn(x, *params):
        simplegrad.manual_seed(0)
        for (owner, attr), value in zip(owners, params):
            setattr(owner, attr, value)
        return module(x)

    return fn


def _row(name, kind, result, seconds):
    return {"name": name, "kind": kind, "passed": bool(result.ok),
            "max_abs_err": float(result.abs_err), "max_rel_err": float(result.rel_err),
            "elements": int(result.checked), "worst": result.summary(),
            "time_s": round(seconds, 4)}


def available_checks():
    """Names of every op and layer check, for --op and error messages."""
    return [name for name, *_ in _op_cases()] + [name for name, *_ in _layer_cases()]


def run_library_checks(selected=None):
    """Gradcheck every (or each selected) op and layer in float64; a list of result rows."""
    from simplegrad.gradcheck import gradcheck

    rows = []
    for name, fn, inputs in _op_cases():
        if selected and name not in selected:
            continue
        start = time.perf_counter()
        result = gradcheck(fn, [np.array(i) for i in inputs])
        rows.append(_row(name, "op", result, time.perf_counter() - start))
    for name, factory, x in _layer_cases():
        if selected and name not in selected:
            continue
        module = factory().double().train()
        params = [p.data.copy() for p in module.parameters()]
        start = time.perf_counter()
        result = gradcheck(_module_fn(module), [x] + params)
        rows.append(_row(name, "layer", result, time.perf_counter() - start))
    return rows


def run_model_check(model, loss_fn, x, y, per_parameter=16, seed=0):
    """Gradcheck a model + loss on one small batch, for up to `per_parameter` sampled entries
    of each parameter (all of them when it is small), plus the input."""
    from simplegrad import Tensor
    from simplegrad.gradcheck import gradcheck

    model.double().train()
    rng = np.random.default_rng(seed)
    rows = []
    owners = {name: name.rpartition(".") for name, _ in model.named_parameters()}
    modules = dict(model.named_modules())
    labels = Tensor(y)
    for name, param in list(model.named_parameters()):
        prefix, _, attr = owners[name]
        owner = modules[prefix] if prefix else model
        k = min(per_parameter, param.size)
        picked = rng.choice(param.size, size=k, replace=False)
        select = np.zeros((param.size, k))
        select[picked, np.arange(k)] = 1.0  # a constant matrix scattering k deltas into place
        base = param.data.copy()

        def fn(delta, owner=owner, attr=attr, base=base, select=select):
            import simplegrad

            simplegrad.manual_seed(0)  # the same dropout mask on every evaluation
            setattr(owner, attr, Tensor(base) + (Tensor(select) @ delta).reshape(*base.shape))
            return loss_fn(model(Tensor(x, dtype=np.float64)), labels)

        start = time.perf_counter()
        try:
            result = gradcheck(fn, [np.zeros(k)])
        finally:
            setattr(owner, attr, param)
        rows.append(_row(name, "parameter", result, time.perf_counter() - start))
    return rows
