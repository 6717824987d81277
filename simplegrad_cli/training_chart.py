"""The compact chart printed at the end of `simplegrad train`: train/validation loss and the
chosen metric per epoch, side by side in 80 columns (plain text for logs, colour on a terminal)."""
import sys

from simplegrad_cli.charts import Panel, text_chart

WIDTH = 80
HEIGHT = 12


def training_panels(history, metric):
    """A loss panel (train_loss, val_loss) and, unless it is a loss, one for `metric`."""
    def curves(names):
        found = []
        for name in names:
            xs, ys = history.series(name, "epoch")
            if len(xs):
                found.append((name, xs, ys))
        return found

    panels = [Panel("loss", "epoch", "loss", curves(["train_loss", "val_loss"]))]
    if not metric.endswith("loss"):
        panels.append(Panel(metric, "epoch", metric.split("_")[-1], curves([metric])))
    return [panel for panel in panels if panel.curves]


def training_chart(history, metric, width=WIDTH, color=False):
    """The chart as text (empty if no epoch has finished); plain unless `color`."""
    panels = training_panels(history, metric)
    if not panels:
        return ""
    return text_chart(panels, width=width, height=HEIGHT, columns=2, color=color)


def show_training_chart(metrics_path, metric):
    """Print the chart of the run whose metrics.jsonl is `metrics_path` on stderr."""
    from simplegrad_cli.run_history import read_history

    color = sys.stderr.isatty()
    text = training_chart(read_history(metrics_path), metric, color=color)
    if text:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
