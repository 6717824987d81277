"""Charts of metric `Panel`s: text via plotext (terminal, CI logs) and image files via
matplotlib (the optional `simplegrad[plot]` extra)."""
import os
from dataclasses import dataclass, field

from simplegrad.atomic import write_atomically

from simplegrad_cli.errors import CliError, printable

MARKERS = ("hd", "dot", "x", "+", "o", "*")  # series stay apart without colours, too
FILE_FORMATS = (".png", ".svg", ".pdf")


@dataclass
class Panel:
    """One plot: a title, axis labels and (label, xs, ys) curves drawn over each other."""

    title: str
    xlabel: str
    ylabel: str
    curves: list = field(default_factory=list)


def text_chart(panels, width=80, height=14, columns=1, color=False):
    """The panels as one text block `width` columns wide (`columns` panels side by side,
    each `height` rows); no control characters unless `color`."""
    import plotext

    figure = plotext.figure
    figure.clear()
    columns = min(columns, len(panels))
    rows = -(-len(panels) // columns)
    if len(panels) > 1:
        figure.subplots(rows, columns)
    figure.plot_size(width, height * rows)
    figure.theme("simple")  # coloured curves on the terminal's own background
    for index, panel in enumerate(panels):
        plot = figure.subplot(index // columns + 1, index % columns + 1) if len(panels) > 1 \
            else figure
        for number, (label, xs, ys) in enumerate(panel.curves):
            if len(xs):
                marker = MARKERS[number % len(MARKERS)]
                plot.draw(plot.signal(list(map(float, xs)), list(map(float, ys)),
                                      marker=marker).label(printable(label)).lines())
        _place_legend(plot, panel.curves)
        plot.title(printable(panel.title))  # names from folders and files: escaped
        plot.label(printable(panel.xlabel), axis="x")
        plot.label(printable(panel.ylabel), axis="y")
    text = figure.build().string(colorless=not color)
    figure.clear()
    return "\n".join(line.rstrip() for line in text.splitlines())


def _place_legend(plot, curves):
    """Put the legend in the right-hand corner the curves end away from (top when they fall,
    as a loss does; bottom when they rise, as an accuracy does)."""
    drawn = [(xs, ys) for _, xs, ys in curves if len(xs)]
    if not drawn:
        return
    low = min(min(ys) for _, ys in drawn)
    high = max(max(ys) for _, ys in drawn)
    right = max(max(xs) for xs, _ in drawn)
    ends = sum(ys[-1] for _, ys in drawn) / len(drawn)
    top = ends <= (low + high) / 2
    plot.legend(x=float(right), y=float(high if top else low), relative=True, ha="right",
                va="top" if top else "bottom")


def pyplot(what):
    """matplotlib.pyplot on a file-only backend, or one line saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise CliError(f'{what} needs matplotlib: pip install "simplegrad[plot]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path):
    """Lay out a matplotlib figure and save it atomically, in the format of the extension."""
    figure.tight_layout()
    fmt = os.path.splitext(str(path))[1].lstrip(".").lower()
    try:
        return write_atomically(path, lambda file: figure.savefig(file, format=fmt))
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def file_chart(panels, path, width_inches=8.0, panel_inches=3.2, dpi=100):
    """The panels stacked in one image file (PNG, SVG or PDF), a legend in each."""
    plt = pyplot(f"--out {path}")
    figure, axes = plt.subplots(len(panels), 1, squeeze=False, dpi=dpi,
                                figsize=(width_inches, panel_inches * len(panels)))
    for ax, panel in zip(axes[:, 0], panels):
        for label, xs, ys in panel.curves:
            ax.plot(xs, ys, label=label, marker="o" if len(xs) < 30 else None, markersize=3)
        if panel.xlabel in ("epoch", "step"):
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(panel.title)
        ax.set_xlabel(panel.xlabel)
        ax.set_ylabel(panel.ylabel)
        ax.grid(alpha=0.3)
        if panel.curves:
            ax.legend()
    return save_figure(figure, path)
