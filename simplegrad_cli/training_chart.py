"""The compact chart printed at the end of `simplegrad train`: train/validation loss and the
chosen metric per epoch, side by side in 80 columns (plain text for logs, colour on a terminal)."""
from simplegrad_cli.charts import Panel, text_chart

WIDTH = 80
HEIGHT = 12


def training_chart(history, metric, width=WIDTH, color=False):
    """A loss panel (train_loss, val_loss) and, unless it is a loss, one for `metric`, as text
    (empty if no epoch has finished); plain unless `color`."""
    def curves(names):
        found = [(name, *history.series(name, "epoch")) for name in names]
        return [curve for curve in found if len(curve[1])]

    panels = [Panel("loss", "epoch", "loss", curves(["train_loss", "val_loss"]))]
    if not metric.endswith("loss"):
        panels.append(Panel(metric, "epoch", metric.split("_")[-1], curves([metric])))
    panels = [panel for panel in panels if panel.curves]
    return text_chart(panels, width=width, height=HEIGHT, columns=2, color=color) if panels \
        else ""
