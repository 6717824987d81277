"""The doctor's checks of the loss curves: divergence (a NaN, or a loss that shot up), a
learning rate too small to move the weights, underfitting and overfitting."""
import math
import statistics

from simplegrad_cli.doctor.finding import Finding
from simplegrad_cli.run.diagnostics import RULE_OF_THUMB, TURN_ON, layer_series

SPIKE = 3.0  # a loss this many times its lowest so far, and above where it started, shot up
SMALL_RATIO = 1e-4  # update ratios this far below the rule of thumb barely move the weights
SLOW = 0.3  # ...when the training loss also fell by less than this fraction of itself
FLAT = 0.05  # over the second half of the epochs, a loss that fell less than this is flat
HIGH = 0.5  # ...and high if still above this fraction of where it started
OVERFIT_RISE = 1.1  # a validation loss that rose to this times its lowest (or to STALLED
STALLED = 1.02  # times it while MEMORISED times the training loss, which then is all but 0),
MEMORISED = 10.0
EARLY = 0.75  # lowest in the first 3/4 of the epochs, while the train/val gap grew: overfit
EXPLAINED = {"divergence", "dead_units", "learning_rate_too_small", "vanishing_gradients"}


def _last_ratios(evidence, before):
    """(step, {layer: update ratio}) of the last diagnostics record up to step `before`."""
    records = [r for r in evidence.diagnostics or () if r["step"] <= before]
    if not records:
        return None, {}
    ratios = layer_series(records[-1:])["update_ratio"]
    return records[-1]["step"], {layer: values[0] for layer, (_, values) in ratios.items()}


def rate(value):
    """A learning rate to suggest, to one significant digit, as text: '0.003'."""
    return f"{float(f'{value:.1g}'):g}"


def divergence(evidence, found):
    """A run stopped by a NaN or inf, or whose loss blew up; with the loss, learning rate and
    update ratios just before."""
    end, lr = evidence.end, evidence.lr
    losses = evidence.losses()
    fix = [evidence.train_command(f"optimizer.lr={rate(lr / 10)}")] if lr else []
    if end is not None and end["status"] == "diverged":
        what = end.get("non_finite", "loss")
        step = end["step"] + (what in ("loss", "gradient norm"))  # else: after that step
        summary = f"training diverged {_when(what, step, end['epoch'] + 1)}"
        if end.get("layer"):
            summary += (f": detect_anomaly traced the first NaN or inf to {end['op']} in "
                        f"{end['layer']} ({end['phase']})")
        evidence_text = [f"the run ended with: {end.get('message', 'a non-finite value')}"]
        next_steps = fix + _to_find_where(evidence, end, what)
    else:
        chance = evidence.chance_loss()
        spike = _spike(losses, chance)
        if spike is None:
            return []
        (low_step, low), (step, high) = spike
        summary = (f"the training loss blew up at step {step}: {high:.4g}, " + (
            f"{high / chance:.0f}x the {chance:.3g} of a uniform guess" if high > SPIKE * chance
            else f"{high / low:.0f}x its lowest so far ({low:.4g} at step {low_step})"))
        evidence_text = []
        next_steps = fix + [evidence.train_command("train.grad_clip=1.0")]
    before = [(s, v) for s, v in losses if s < step][-3:]
    if before:
        evidence_text.append("training loss before it: " + ", ".join(
            f"{value:.4g} at step {s}" for s, value in before))
    if lr:
        evidence_text.append(f"optimizer.lr {lr:g}")
    ratio_step, ratios = _last_ratios(evidence, step)
    if ratios:
        layer, ratio = max(ratios.items(), key=lambda item: item[1])
        evidence_text.append(f"largest update/weight ratio at step {ratio_step}: {ratio:.2g} "
                             f"({layer}; the rule of thumb is {RULE_OF_THUMB:g})")
    return [Finding("divergence", "problem", summary, "; ".join(evidence_text), next_steps,
                    step=step, values={"lr": lr, "update_ratios": ratios})]


def _to_find_where(evidence, end, what):
    """The command that shows where a run diverged (unless anomaly mode named the op): anomaly
    mode for a NaN an op made (the loss), diagnostics for gradients or weights grown too large."""
    if end.get("layer"):
        return []
    if what == "loss":  # resumed from the last epoch, it diverges at the same step again
        return [f"simplegrad train --resume {evidence.checkpoint('last.npz')} --detect-anomaly"
                if end["epoch"] else evidence.train_command("train.detect_anomaly=true")]
    return [] if evidence.diagnostics is not None else [evidence.train_command(TURN_ON)]


def _when(what, step, epoch):
    """Where a run stopped by a non-finite `what` was: its loss or gradient in a step, its
    weights after one, its validation loss after an epoch."""
    if what.startswith("validation"):
        return f"in the validation after epoch {epoch} (step {step})"
    return f"at step {step} (epoch {epoch})" if what in ("loss", "gradient norm") else \
        f"after step {step} (epoch {epoch}): its {what}"


def _spike(losses, chance):
    """((step, lowest so far), (step, loss)) of the first loss that is not finite, or SPIKE
    times the `chance` loss, or SPIKE times its lowest so far and above the first; or None."""
    if not losses:
        return None
    lowest = losses[0]
    for step, value in losses:
        if not math.isfinite(value) or value > SPIKE * chance or \
                (value > SPIKE * lowest[1] and value > losses[0][1]):
            return lowest, (step, value)
        lowest = min(lowest, (step, value), key=lambda item: item[1])
    return None


def learning_rate_too_small(evidence, found):
    """Update ratios far below the 1e-3 rule of thumb in every layer (the median of the
    second half of its records) while the loss hardly falls."""
    series = layer_series(evidence.diagnostics or ())["update_ratio"]
    losses = evidence.epoch_values("train_loss") or evidence.losses()
    lr = evidence.lr
    if not series or len(losses) < 2 or not lr or found & {"divergence", "dead_units"}:
        return []  # (dead units get no gradient, so they make no update whatever the rate)
    ratio = max(statistics.median(values[len(values) // 2:]) for _, values in series.values())
    (_, first), (_, last) = losses[0], losses[-1]
    if not 0 < ratio < SMALL_RATIO or first - last >= SLOW * first:
        return []
    better = rate(lr * min(max(RULE_OF_THUMB / ratio, 10), 1000))
    return [Finding(
        "learning_rate_too_small", "problem",
        f"the learning rate ({lr:g}) is too small: each step changes the weights by about "
        f"{ratio:.1g} of themselves, {RULE_OF_THUMB / ratio:.0f}x below the {RULE_OF_THUMB:g} "
        "rule of thumb, and the loss hardly falls",
        f"update/weight ratio at most {ratio:.2g} in any layer (median over the second half "
        f"of the diagnostics); "
        f"training loss {first:.4g} -> {last:.4g} ({(first - last) / first:.1%} lower)",
        [evidence.train_command(f"optimizer.lr={better}"),
         f"simplegrad lr-find {evidence.folder}/config.yaml"],
        values={"lr": lr, "update_ratio": ratio, "suggested_lr": float(better)})]


def underfitting(evidence, found):
    """A training loss that stopped falling while still high: the model cannot fit the data
    (unless a finding before explains it: EXPLAINED)."""
    losses = evidence.epoch_values("train_loss")
    if len(losses) < 3 or found & EXPLAINED:
        return []
    reference = (evidence.losses() or losses)[0][1]
    middle, (epoch, last) = losses[len(losses) // 2], losses[-1]
    if middle[1] - last >= FLAT * middle[1] or last <= HIGH * reference:
        return []
    accuracy = dict(evidence.epoch_values("train_accuracy")).get(epoch)
    shown = f" (training accuracy {accuracy:.1%})" if accuracy is not None else ""
    wider = _wider_layer(evidence)
    next_steps = ([evidence.train_command(wider)] if wider else []) + \
        [f"simplegrad lr-find {evidence.folder}/config.yaml"]
    return [Finding(
        "underfitting", "problem",
        f"the model underfits: the training loss is flat and high, {last:.4g} at epoch {epoch}"
        f"{shown}, against {reference:.4g} at the start",
        f"training loss {middle[1]:.4g} at epoch {middle[0]} -> {last:.4g} at epoch {epoch} "
        f"({(middle[1] - last) / middle[1]:.1%} lower over the second half); a bigger model "
        "(wider or more layers), a better learning rate or more epochs may help",
        next_steps, epoch=epoch, values={"train_loss": last, "start_loss": reference})]


def _wider_layer(evidence):
    """'model.0.linear.out=128': the first hidden layer with an `out`, twice as wide."""
    sized = [(index, name, args) for index, name, args in evidence.layers
             if isinstance(args, dict) and isinstance(args.get("out"), int)]
    if len(sized) < 2:  # the last one's `out` is the number of classes
        return None
    index, name, args = sized[0]
    return f"model.{index}.{name}.out={2 * args['out']}"


def overfitting(evidence, found):
    """The validation loss lowest early and rising since, while the training loss falls."""
    val, train = evidence.epoch_values("val_loss"), dict(evidence.epoch_values("train_loss"))
    if len(val) < 3 or "divergence" in found:  # a diverged run's losses tell nothing of it
        return []
    best_epoch, best = min(val, key=lambda item: item[1])
    epoch, last = val[-1]
    if best_epoch not in train or epoch not in train:
        return []
    gap_then, gap_now = best - train[best_epoch], last - train[epoch]
    rising = last >= OVERFIT_RISE * best or \
        (last >= STALLED * best and last >= MEMORISED * train[epoch])
    if not rising or best_epoch > EARLY * epoch or gap_now <= gap_then:
        return []
    next_steps = []
    if evidence.setting("train", "patience") is None:
        next_steps.append(evidence.train_command("train.patience=3"))
    next_steps.append(evidence.train_command("optimizer.weight_decay=0.0001"))
    return [Finding(
        "overfitting", "warning",
        f"the model overfits: the validation loss was lowest at epoch {best_epoch} of {epoch} "
        f"and rose since, while the training loss kept falling",
        f"validation loss {best:.4g} at epoch {best_epoch} -> {last:.4g} at epoch {epoch}; "
        f"training loss {train[best_epoch]:.4g} -> {train[epoch]:.4g}; the gap grew from "
        f"{gap_then:.4g} to {gap_now:.4g}. Stop early "
        "(train.patience), add weight decay, or add a `- dropout: {p: 0.3}` after a hidden "
        "layer; more data helps most",
        next_steps, epoch=best_epoch,
        values={"best_epoch": best_epoch, "best_val_loss": best, "final_val_loss": last})]
