"""A run's diagnostics as chart panels (`plot --diagnostics`): each layer's gradient norm, update
ratio (against the 1e-3 rule of thumb), and fractions of dead ReLU or saturated outputs."""
from simplegrad_cli.run.diagnostics import RULE_OF_THUMB
from simplegrad_cli.ui.charts import Panel


def layer_panels(name, series):
    """The panels of one run's `layer_series`: gradient norms, update ratios (log axes) and,
    when the model has such layers, dead and saturated fractions (%)."""
    def curves(key, scale=1.0):
        return [(layer, steps, [v * scale for v in values])
                for layer, (steps, values) in series[key].items()]
    panels = [Panel(f"{name}: gradient norm per layer (weights)", "step", "gradient norm",
                    curves("gradient_norm"), log_y=True),
              Panel(f"{name}: update / weight per step", "step", "update ratio",
                    curves("update_ratio"), log_y=True,
                    lines=[(f"{RULE_OF_THUMB:g} rule of thumb", RULE_OF_THUMB)])]
    stuck = [(f"{layer} {word}", steps, values)
             for word, key in (("dead", "dead_fraction"), ("saturated", "saturated_fraction"))
             for layer, steps, values in curves(key, 100)]
    kinds = [kind for kind, key in (("dead ReLU units", "dead_fraction"),
                                    ("saturated sigmoid/tanh outputs", "saturated_fraction"))
             if series[key]]
    if stuck:
        panels.append(Panel(f"{name}: {', '.join(kinds)}", "step", "units (%)", stuck,
                            y_range=(0, 100)))
    return panels
