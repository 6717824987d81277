"""`simplegrad gradcheck`: finite-difference checks of every op and layer, or of one config,
each at float64 inputs kept away from kinks so that central differences are meaningful."""
import time

import numpy as np
import simplegrad
from simplegrad import Tensor
from simplegrad.gradcheck import gradcheck as check_gradients
from simplegrad.testing import op_cases
from simplegrad.memory import check_fits

from simplegrad_cli.config import registry, schema
from simplegrad_cli.config.validation import load_config, suggest
from simplegrad_cli.errors import CHECK_FAILED, OK, CliError, usage_error
from simplegrad_cli.run import build
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report


def run(options):
    """Check the library's ops (or one config's model); exit code 1 if any check fails."""
    config, ops, overrides, batch_size = options.config, options.ops, options.overrides, \
        options.batch_size
    if config is not None and ops:
        raise usage_error("--op selects library ops; it cannot be combined with CONFIG", "--op")
    if config is None and overrides:
        raise usage_error("--set needs a CONFIG", "--set")
    if config is None:
        known = available_checks()
        unknown = [name for name in ops if name not in known]
        if unknown:
            raise CliError(f"--op {unknown[0]}: unknown op or layer; "
                           f"{suggest(unknown[0], known, list_all=True)}")
        rows = run_library_checks(set(ops))
        title = "gradcheck: library ops and layers (float64)"
    else:
        rows = run_model_check(config, overrides, batch_size)
        title = f"gradcheck: {config} model + loss on {batch_size} samples (float64)"
    failed = [row["name"] for row in rows if not row["passed"]]

    def render(console):
        display.table(title, ["check", "kind", ">elements", ">abs err", ">rel err", "result"],
                      [[r["name"], r["kind"], r["elements"], f"{r['max_abs_err']:.2e}",
                        f"{r['max_rel_err']:.2e}", "ok" if r["passed"] else "FAIL"]
                       for r in rows], console)
        display.info(f"{len(rows) - len(failed)} of {len(rows)} checks passed"
                     + (f"; failed: {', '.join(failed)}" if failed else ""))
    return Report({"checks": rows, "passed": not failed, "failed": failed}, render,
                  CHECK_FAILED if failed else OK)


def _op_cases():
    """(name, fn, inputs) for every differentiable Tensor op and functional form: the shared
    table in simplegrad.testing, which the op tests also run."""
    return [(case.name, case.fn, list(case.inputs)) for case in op_cases()]


def _layer_cases():
    """(config name, module factory, input) for every registry layer, at the arguments and
    input its LayerSpec gives; checked w.r.t. input and parameters."""
    cases = []
    for name, fields in schema.layer_fields().items():
        args, x = registry.LAYERS[name].sample(fields)
        cases.append((name, lambda name=name, args=args: build.make_layer(name, args), x))
    return cases


def _owner(model, name):
    """(module, attribute) holding the parameter called `name` (e.g. `net.0.weight`)."""
    prefix, _, attr = name.rpartition(".")
    return (dict(model.named_modules())[prefix] if prefix else model), attr


def _check(name, kind, fn, inputs):
    """Gradcheck `fn` at `inputs`: one result row (errors, elements, the worst, seconds)."""
    start = time.perf_counter()
    result = check_gradients(fn, inputs)
    return {"name": name, "kind": kind, "passed": bool(result.ok),
            "max_abs_err": float(result.abs_err), "max_rel_err": float(result.rel_err),
            "elements": int(result.checked), "worst": result.summary(),
            "time_s": round(time.perf_counter() - start, 4)}


def available_checks():
    """Names of every op and layer check (a layer by its config name, which may also be an
    op's: --op selects both), for --op and error messages."""
    return list(dict.fromkeys([name for name, *_ in _op_cases()]
                              + [name for name, *_ in _layer_cases()]))


def run_library_checks(selected=None):
    """Gradcheck every (or each selected) op and layer in float64; a list of result rows."""
    rows = [_check(name, "op", fn, [np.array(i) for i in inputs])
            for name, fn, inputs in _op_cases() if not selected or name in selected]
    for name, factory, x in _layer_cases():
        if selected and name not in selected:
            continue
        module = factory().double().train()
        owners = [_owner(module, key) for key, _ in module.named_parameters()]

        def fn(x, *params, module=module, owners=owners):
            simplegrad.manual_seed(0)  # Dropout draws the same mask on every call
            for (owner, attr), value in zip(owners, params):
                setattr(owner, attr, value)
            return module(x)

        params = [p.data.copy() for p in module.parameters()]
        rows.append(_check(name, "layer", fn, [x] + params))
    return rows


def run_model_check(config, overrides, batch_size, per_parameter=16):
    """Gradcheck a config's model + loss on its first `batch_size` training samples, for up to
    `per_parameter` sampled entries of each parameter (all of them when it is small)."""
    cfg = load_config(config, overrides)
    data, model, rows, _ = build.build_run(cfg)
    loss_fn = build.make_loss(cfg.values["loss"], data.num_classes)
    x, labels = data.train.x[:batch_size], Tensor(data.train.y[:batch_size])
    # refuse before converting the model to float64 when the check would not fit in memory:
    # float64 weights, gradients and a gathered copy of each, and every layer's activations
    parameters = sum(r.parameters for r in rows)
    activations = build.BYTES_PER_ACTIVATION * len(x) * sum(r.activations for r in rows)
    check_fits(48 * parameters + 2 * activations,
               f"gradcheck of this model ({parameters:,} parameters, {len(x)} samples, float64)")
    model.double().train()
    rng, rows = np.random.default_rng(0), []
    for name, param in list(model.named_parameters()):
        owner, attr = _owner(model, name)
        k = min(per_parameter, param.size)
        picked = rng.choice(param.size, size=k, replace=False)
        # where each element takes its delta from: its own slot if picked, else a zero at k
        # (a gather, so memory stays a few copies of the parameter, not size x k)
        slots = np.full(param.size, k)
        slots[picked] = np.arange(k)
        base, zero = param.data.copy(), Tensor(np.zeros(1))

        def fn(delta, owner=owner, attr=attr, base=base, slots=slots):
            simplegrad.manual_seed(0)  # the same dropout mask on every evaluation
            spread = simplegrad.cat([delta, zero])[slots].reshape(*base.shape)
            setattr(owner, attr, Tensor(base) + spread)
            return loss_fn(model(Tensor(x, dtype=np.float64)), labels)

        try:
            rows.append(_check(name, "parameter", fn, [np.zeros(k)]))
        finally:
            setattr(owner, attr, param)
    return rows
