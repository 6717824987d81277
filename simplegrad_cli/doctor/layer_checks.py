"""The doctor's checks of the layers, from the diagnostics: dead ReLU units, gradients that
vanish on their way to the first layers, gradients that explode."""
import math

from simplegrad import nn

from simplegrad_cli.config import registry
from simplegrad_cli.doctor.finding import Finding
from simplegrad_cli.doctor.training_checks import rate
from simplegrad_cli.run.diagnostics import layer_series

DEAD = 0.5  # a layer with this fraction of its units dead (0 for a whole batch) is in trouble
RECENT = 3  # the records a layer's state is judged on: the last few
VANISHED = 1e-3  # a layer whose gradient norm is below this fraction of the largest layer's
EXPLODED = 100.0  # a gradient norm that grew this many times from the first record...
LARGE = 10.0  # ...to above this
LEAKY = next(name for name, spec in registry.LAYERS.items() if spec.builds is nn.LeakyReLU)


def _recent_mean(values):
    tail = [v for v in values[-RECENT:] if math.isfinite(v)]
    return sum(tail) / len(tail) if tail else math.nan


def dead_units(evidence, found):
    """ReLU layers that output 0 for whole batches in most of their units."""
    series = layer_series(evidence.diagnostics or ())["dead_fraction"]
    dead = {layer: (steps, values) for layer, (steps, values) in series.items()
            if _recent_mean(values) >= DEAD}
    if not dead:
        return []
    words = [f"{layer}: {_recent_mean(values):.0%} of its units gave 0 for every sample of the "
             f"batch at step {steps[-1]} ({values[0]:.0%} at step {steps[0]})"
             for layer, (steps, values) in dead.items()]
    swaps = [f"{'.'.join(layer.split('.')[:2])}={LEAKY}" for layer in dead]
    next_steps = [evidence.train_command(*swaps)]
    if evidence.lr and "divergence" not in found:  # else its lower rate is the one to try
        next_steps.append(evidence.train_command(f"optimizer.lr={rate(evidence.lr / 3)}"))
    return [Finding(
        "dead_units", "problem",
        f"dead ReLUs: {', '.join(dead)} {'pass' if len(dead) > 1 else 'passes'} no gradient "
        "through most of its units (a dead unit never recovers)",
        "; ".join(words) + "; a unit dies when its bias or weights push every input negative "
        f"(often after a too large step); {LEAKY} keeps a small gradient for them",
        next_steps, step=max(steps[-1] for steps, _ in dead.values()),
        values={layer: _recent_mean(values) for layer, (_, values) in dead.items()})]


def _gradients(evidence):
    return layer_series(evidence.diagnostics or ())["gradient_norm"]


def vanishing_gradients(evidence, found):
    """Layers whose weights get a gradient far smaller than the layer that gets the most."""
    norms = {layer: _recent_mean(values) for layer, (_, values) in _gradients(evidence).items()}
    norms = {layer: norm for layer, norm in norms.items() if math.isfinite(norm)}
    if len(norms) < 2 or "divergence" in found:
        return []
    top_layer, top = max(norms.items(), key=lambda item: item[1])
    small = {layer: norm for layer, norm in norms.items() if norm < VANISHED * top}
    if not small:
        return []
    step = evidence.diagnostics[-1]["step"]
    shown = ", ".join(f"{layer} {norm:.2g}" for layer, norm in small.items())
    return [Finding(
        "vanishing_gradients", "problem",
        f"gradients vanish: {', '.join(small)} get{'s' * (len(small) == 1)} almost no gradient "
        "and barely learn",
        f"mean gradient norm over the last records up to step {step}: {shown}, against "
        f"{top:.2g} for {top_layer} (below {VANISHED:g} of it); saturated sigmoid/tanh layers "
        "or deep stacks without normalisation shrink the gradient layer by layer; relu "
        "activations, batch_norm1d/layer_norm or a learning rate per layer help",
        [f"simplegrad plot {evidence.folder} --diagnostics"], step=step,
        values={"gradient_norms": norms})]


def exploding_gradients(evidence, found):
    """Layers whose gradient norm grew by orders of magnitude (or stopped being finite)."""
    grown = {}
    for layer, (steps, values) in _gradients(evidence).items():
        first, peak = values[0], max(values, key=lambda v: v if math.isfinite(v) else math.inf)
        if not math.isfinite(peak) or (peak > EXPLODED * first and peak > LARGE):
            grown[layer] = (first, peak, steps[values.index(peak)], steps[0])
    if not grown:
        return []
    shown = "; ".join(f"{layer} {first:.2g} at step {start} -> {peak:.2g} at step {step}"
                      for layer, (first, peak, step, start) in grown.items())
    lr = evidence.lr
    next_steps = [evidence.train_command("train.grad_clip=1.0")] + \
        ([evidence.train_command(f"optimizer.lr={rate(lr / 10)}")] if lr else [])
    return [Finding(
        "exploding_gradients", "problem",
        f"gradients explode in {', '.join(grown)}",
        f"gradient norm {shown}; clip them (train.grad_clip) or lower the learning rate",
        next_steps, step=min(step for _, _, step, _ in grown.values()),
        values={layer: {"first": first, "peak": peak} for layer, (first, peak, _, _) in
                grown.items()})]
