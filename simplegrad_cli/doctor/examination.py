"""The examination: every check run on a run's Evidence, the findings worst first; and what
to say of a run with nothing wrong. A check takes the Evidence and the kinds found so far, and
returns its Findings."""
from simplegrad_cli.doctor import layer_checks, run_checks, training_checks
from simplegrad_cli.doctor.finding import SEVERITIES
from simplegrad_cli.words import metric_text, plural


CHECKS = (training_checks.divergence, layer_checks.dead_units,
          training_checks.learning_rate_too_small, layer_checks.vanishing_gradients,
          layer_checks.exploding_gradients, training_checks.underfitting,
          training_checks.overfitting, run_checks.how_it_ended, run_checks.class_imbalance,
          run_checks.without_diagnostics)


def examine(evidence):
    """The findings of every check, problems first (a check sees the kinds found before it:
    underfitting is not said again when a learning rate too small explains it)."""
    found = []
    for check in CHECKS:
        found += check(evidence, {f.kind for f in found})
    return sorted(found, key=lambda f: SEVERITIES.index(f.severity))


def healthy(evidence):
    """The sentence for a run with no problem or warning: what went right, in numbers."""
    losses = evidence.epoch_values("train_loss")
    metric, best = evidence.best()
    parts = [f"the training loss fell from {losses[0][1]:.4g} to {losses[-1][1]:.4g} over "
             f"{plural(losses[-1][0], 'epoch')}"] if losses else []
    if best:
        parts.append(f"best {metric} {metric_text(metric, best[1])} at epoch {best[0]}")
    return "nothing wrong found" + (": " + "; ".join(parts) if parts else "")
