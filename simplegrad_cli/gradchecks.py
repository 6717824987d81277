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


def _op_cases():
    """(name, fn, inputs) for every differentiable Tensor op and functional form: the shared
    table in simplegrad.gradcheck_cases, which the op tests also run."""
    from simplegrad.gradcheck_cases import op_cases

    return [(case.name, case.fn, list(case.inputs)) for case in op_cases()]


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


def check_model_check_fits(rows, batch_size):
    """Refuse before converting the model to float64 when the check would not fit in memory:
    twice the float32 training estimate (float64), plus the gathered copy of each parameter."""
    from simplegrad.memory import check_fits

    from simplegrad_cli import build

    parameters = sum(r.parameters for r in rows)
    check_fits(2 * build.training_memory(rows, batch_size) + 16 * parameters,
               f"gradcheck of this model ({parameters:,} parameters, {batch_size} samples, "
               f"float64)")


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
        # where each element takes its delta from: its own slot if picked, else a zero at k
        # (a gather, so memory stays a few copies of the parameter, not size x k)
        slots = np.full(param.size, k)
        slots[picked] = np.arange(k)
        base, zero = param.data.copy(), Tensor(np.zeros(1))

        def fn(delta, owner=owner, attr=attr, base=base, slots=slots):
            import simplegrad

            simplegrad.manual_seed(0)  # the same dropout mask on every evaluation
            spread = simplegrad.cat([delta, zero])[slots].reshape(*base.shape)
            setattr(owner, attr, Tensor(base) + spread)
            return loss_fn(model(Tensor(x, dtype=np.float64)), labels)

        start = time.perf_counter()
        try:
            result = gradcheck(fn, [np.zeros(k)])
        finally:
            setattr(owner, attr, param)
        rows.append(_row(name, "parameter", result, time.perf_counter() - start))
    return rows
