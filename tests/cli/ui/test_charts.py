"""Charts of metric panels: the text chart keeps its legend and titles out of the data, labels
whole epochs (the last one too), fits the width it is given and draws a bounded number of
points; the image chart names the run, shows accuracy in percent and labels axes in words."""
import re

import numpy as np
import pytest

from simplegrad_cli.ui.charts import Panel, file_chart, text_chart

LABELS = ("train_loss", "val_loss")


def loss_panel(epochs=7, title="tiny: train_loss, val_loss"):
    """Falling train and validation losses over `epochs` epochs."""
    xs = np.arange(1, epochs + 1, dtype=float)
    return Panel(title, "epoch", "loss", [(LABELS[0], xs, 1.0 / xs), (LABELS[1], xs, 1.2 / xs)])


def frame(lines):
    """(lines above the plot frame, the lines inside it, the lines below it)."""
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[:top], lines[top + 1:bottom], lines[bottom:]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_legend_and_titles_are_outside_the_data(width):
    lines = text_chart([loss_panel()], width=width).splitlines()
    above, inside, below = frame(lines)
    assert all(label not in "\n".join(inside + below) for label in LABELS)
    assert above[0].strip() == "tiny: train_loss, val_loss"  # the title, centred on top
    assert above[1].startswith("loss ")  # the y-axis title, over the y axis
    assert above[1].rstrip().endswith("▚ train_loss  • val_loss")  # the legend, right
    assert below[-1].strip() == "epoch"  # the x-axis title, under the x axis
    assert max(len(line) for line in lines) <= width


@pytest.mark.parametrize("width", [60, 80])
def test_the_x_axis_is_never_overwritten(width):
    _, _, below = frame(text_chart([loss_panel()], width=width).splitlines())
    assert set(below[0].strip()) <= set("└┬─┘")


@pytest.mark.parametrize("epochs, width, expected", [
    (7, 80, list(range(1, 8))),
    (7, 60, list(range(1, 8))),
    (23, 60, [1, 5, 10, 15, 20, 23]),
    (100, 80, [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
])
def test_x_ticks_are_whole_epochs_and_the_last_epoch_is_labelled(epochs, width, expected):
    _, _, below = frame(text_chart([loss_panel(epochs)], width=width).splitlines())
    assert [int(tick) for tick in below[1].split()] == expected


def test_panels_side_by_side_share_their_rows():
    accuracy = Panel("", "epoch", "validation accuracy (%)",
                     [("val_accuracy", np.arange(1.0, 6), np.linspace(50, 90, 5))])
    lines = text_chart([loss_panel(5, title=""), accuracy], width=80, columns=2).splitlines()
    assert lines[0].startswith("loss ") and "validation accuracy (%)" in lines[0]
    assert lines[1].count("┌") == 2 and lines[-1].split() == ["epoch", "epoch"]
    assert max(len(line) for line in lines) <= 80


def test_a_long_curve_is_thinned_before_drawing(monkeypatch):
    import plotext

    drawn = []
    signal = plotext.figure.signal
    monkeypatch.setattr(plotext.figure, "signal",
                        lambda xs, ys, **kw: drawn.append(len(xs)) or signal(xs, ys, **kw))
    steps = np.arange(500_000, dtype=float)
    panel = Panel("", "step", "loss", [("loss", steps, np.exp(-steps / 1e5))])
    chart = text_chart([panel], width=80)
    assert drawn and max(drawn) <= 160 and "loss" in chart


def test_a_curve_with_no_finite_values_leaves_an_empty_frame():
    panel = Panel("", "epoch", "loss", [("val_loss (2 values not finite, not drawn)",
                                         np.zeros(0), np.zeros(0))])
    lines = text_chart([panel], width=60).splitlines()
    assert "val_loss (2 values not finite, not drawn)" in lines[0]


def test_the_image_names_the_run_shows_percent_and_labels_axes_in_words(cli, write_config,
                                                                         monkeypatch):
    from simplegrad_cli.ui import charts

    assert cli("train", write_config(), "--epochs", "3").exit_code == 0
    figures = []
    monkeypatch.setattr(charts, "save_figure", lambda figure, path: figures.append(figure))
    result = cli("plot", "runs/tiny", "--metric", "val_loss", "--metric", "val_accuracy",
                 "--out", "curves.png")
    assert result.exit_code == 0, result.stderr
    loss, accuracy = figures[0].axes
    assert loss.get_title() == "tiny: val_loss" and accuracy.get_title() == "tiny: val_accuracy"
    assert (loss.get_ylabel(), accuracy.get_ylabel()) == ("validation loss",
                                                          "validation accuracy (%)")
    values = accuracy.lines[0].get_ydata()
    assert 1 < values.min() and values.max() <= 100  # percent, not a fraction


def test_the_png_is_drawn(tmp_path):
    """Look at it, too: tests/cli/ui/test_charts.py writes it to the pytest temp folder."""
    from PIL import Image

    out = tmp_path / "curves.png"
    file_chart([loss_panel()], out)
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 < pixels.max()


def test_chart_text_has_no_control_characters_unless_coloured():
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text_chart([loss_panel()]))
    assert "\x1b[" in text_chart([loss_panel()], color=True)


def gradient_panel():
    """A log-scale panel whose curve is 0 (a dead layer's gradient) at steps 3 and 4."""
    steps = np.arange(1.0, 7)
    return Panel("", "step", "gradient norm",
                 [("model.0.linear", steps, [1.0, 0.5, 0.0, 0.0, 1e-6, 1e-6])], log_y=True)


def test_a_log_axis_breaks_the_line_at_zeros_and_says_so(monkeypatch):
    import plotext

    drawn = []
    signal = plotext.figure.signal
    monkeypatch.setattr(plotext.figure, "signal",
                        lambda xs, ys, **kw: drawn.append(list(xs)) or signal(xs, ys, **kw))
    chart = text_chart([gradient_panel()], width=80)
    assert drawn == [[1.0, 2.0], [5.0, 6.0]]  # not one line from 0.5 down to 1e-6
    assert "model.0.linear (2 values ≤ 0, not drawn)" in chart


def test_the_image_breaks_log_lines_at_zeros_and_keeps_percentages_0_to_100(monkeypatch,
                                                                           tmp_path):
    from simplegrad_cli.ui import charts

    figures = []
    monkeypatch.setattr(charts, "save_figure", lambda figure, path: figures.append(figure))
    dead = Panel("", "step", "units (%)", [("model.1.relu dead", [1, 2, 3], [93, 99, 100])],
                 y_range=(0, 100))
    file_chart([gradient_panel(), dead], tmp_path / "layers.png")
    gradients, units = figures[0].axes
    line = gradients.lines[0]
    assert np.isnan(line.get_ydata()[2:4]).all()  # a gap, not a drop clipped to the bottom
    assert line.get_label() == "model.0.linear (2 values ≤ 0, not drawn)"
    low, high = units.get_ylim()
    assert low <= 0 and 100 <= high < 110


def test_an_epoch_axis_on_a_log_scale_is_drawn(tmp_path):
    """Whole-number ticks are for a linear epoch or step axis; a log one keeps its own."""
    steps = Panel("loss per step", "step", "loss", [("loss", [1, 10, 100], [3.0, 2.0, 1.0])],
                  log_x=True)
    file_chart([steps], tmp_path / "steps.png")
    assert (tmp_path / "steps.png").read_bytes().startswith(b"\x89PNG")
