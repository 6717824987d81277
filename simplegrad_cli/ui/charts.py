"""Charts of metric `Panel`s: text via plotext (terminal, CI logs) and image files via
matplotlib (the optional `simplegrad[plot]` extra)."""
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np
from simplegrad.atomic import write_atomically

from simplegrad_cli.errors import CliError
from simplegrad_cli.ui.console import printable

# plotext marker: its legend mark (series stay apart without colours, too)
MARKERS = {"hd": "▚", "dot": "•", "x": "x", "+": "+", "o": "o", "*": "*"}
FILE_FORMATS = (".png", ".svg", ".pdf")
POINTS_PER_COLUMN = 2  # a text chart cannot show more (plotext's "hd" marker: 2 per column)
PANEL_GAP = 2  # columns between panels side by side


@dataclass
class Panel:
    """One plot: title, axis labels, (label, xs, ys) curves, optional log axes, (label, y)
    reference `lines` (a rule of thumb) and a fixed (low, high) `y_range`."""

    title: str
    xlabel: str
    ylabel: str
    curves: list = field(default_factory=list)
    log_x: bool = False
    log_y: bool = False
    lines: list = field(default_factory=list)
    y_range: tuple = None

    def drawn_curves(self):
        """The curves as float arrays; on a log axis a value <= 0 becomes NaN, a gap in the
        line (not a line down to it), and the label says how many were left out."""
        drawn = []
        for label, xs, ys in self.curves:
            xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
            hidden = ((xs <= 0) & self.log_x) | ((ys <= 0) & self.log_y)
            if hidden.any():
                count = int(np.count_nonzero(hidden))
                label = f"{label} ({count} value{'s' * (count > 1)} ≤ 0, not drawn)"
                ys = np.where(hidden, np.nan, ys)
            drawn.append((label, xs, ys))
        return drawn

    def text_curves(self):
        """The curves as a text chart draws them: each reference line as a curve across the
        others' x range, log10 of the values on a log axis."""
        curves = self.drawn_curves()
        spans = [xs for _, xs, _ in curves if len(xs)]
        if spans:
            low, high = min(xs.min() for xs in spans), max(xs.max() for xs in spans)
            curves += [(label, np.array([low, high]), np.array([y, y])) for label, y in self.lines]
        with np.errstate(all="ignore"):  # NaN where drawn_curves left a gap
            return [(label, np.log10(xs) if self.log_x else xs,
                     np.log10(ys) if self.log_y else ys) for label, xs, ys in curves]


def pieces(xs, ys):
    """The runs of finite points of a curve: a gap (NaN) in it is not bridged."""
    finite = np.isfinite(xs) & np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
    return [(xs[start:end], ys[start:end]) for start, end in zip(edges[::2], edges[1::2])]


def text_chart(panels, width=80, height=14, columns=1, color=False):
    """The panels as one text block `width` columns wide, `columns` side by side, each with its
    title, y-axis title and legend above and x-axis title below; no control codes unless `color`."""
    columns = min(columns, len(panels))
    panel_width = (width - PANEL_GAP * (columns - 1)) // columns
    parts = [_text_panel(panel, panel_width, height, color) for panel in panels]
    lines = []
    for first in range(0, len(parts), columns):
        row = parts[first:first + columns]
        heads = max(len(head) for head, _ in row)  # frames side by side start on one line
        blocks = [[""] * (heads - len(head)) + head + body for head, body in row]
        for cells in zip(*blocks):
            lines.append((" " * PANEL_GAP).join(_pad(cell, panel_width) for cell in cells))
    return "\n".join(line.rstrip() for line in lines)


def _text_panel(panel, width, height, color):
    """(header lines, plot and x-axis title lines) of one panel drawn by plotext."""
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.theme("simple")  # coloured curves on the terminal's own background
    legend, xs_drawn = [], []
    for number, (label, xs, ys) in enumerate(panel.text_curves()):
        marker = list(MARKERS)[number % len(MARKERS)]
        legend.append(f"{MARKERS[marker]} {printable(label)}")  # names from folders
        for xs, ys in pieces(xs, ys):
            xs, ys = downsample(xs, ys, POINTS_PER_COLUMN * width)
            figure.draw(figure.signal(xs.tolist(), ys.tolist(), marker=marker).lines())
            xs_drawn.append(xs)
    if panel.y_range:
        figure.ruler(1).lim(*panel.y_range)
    if xs_drawn and (panel.xlabel in ("epoch", "step") or panel.log_x):  # log10: powers of 10
        low, high = min(xs.min() for xs in xs_drawn), max(xs.max() for xs in xs_drawn)
        ticks = whole_ticks(low, high, room=(width - 8) // (len(f"{high:.0f}") + 3))
        if ticks:
            figure.ruler(0).ticks(ticks)
    body = figure.build().string(colorless=not color).splitlines()
    figure.clear()
    title, xlabel, ylabel = (printable(f"{text} (log10)" if log else text) for text, log in
                             ((panel.title, False), (panel.xlabel, panel.log_x),
                              (panel.ylabel, panel.log_y)))
    head = [title.center(width).rstrip()] if title else []
    return head + _legend_lines(ylabel, legend, width), body + [xlabel.center(width)]


def _legend_lines(ylabel, legend, width):
    """The y-axis title on the left and the legend entries right-aligned, on as many lines as
    the width needs."""
    lines, line = [], ""
    for entry in legend:
        if line and len(ylabel) + len(line) + len(entry) + 4 > width:
            lines.append(line)
            line = entry
        else:
            line = f"{line}  {entry}" if line else entry
    lines.append(line)
    first = [ylabel.ljust(width - len(lines[0])) + lines[0]] if \
        len(ylabel) + len(lines[0]) + 2 <= width else [ylabel, lines[0].rjust(width)]
    return first + [rest.rjust(width) for rest in lines[1:]]


def _pad(text, width):
    """`text` padded with spaces to `width` visible columns (colour codes take none)."""
    visible = len(re.sub(r"\x1b\[[0-9;]*m", "", text))
    return text + " " * max(width - visible, 0)


def downsample(xs, ys, limit):
    """At most `limit` points of a float curve, each the mean of a run of neighbours, so 500,000
    per-step records draw as fast as a few."""
    if len(xs) <= limit:
        return xs, ys
    starts = np.linspace(0, len(xs), limit + 1).astype(np.int64)
    sizes = np.diff(starts)
    return (np.add.reduceat(xs, starts[:-1]) / sizes, np.add.reduceat(ys, starts[:-1]) / sizes)


def whole_ticks(low, high, room):
    """Ticks on the whole numbers from `low` to `high` (rounded inwards, both kept), 1, 2, 5, 10...
    apart so at most `room` fit; None if no whole number lies between."""
    low, high = math.ceil(low), math.floor(high)
    if high < low:
        return None
    for step in (base * 10 ** power for power in range(20) for base in (1, 2, 5)):
        inner = range(step * (low // step + 1), high, step)
        ticks = sorted({low, high, *[t for t in inner
                                     if t - low > step / 2 and high - t > step / 2]})
        if len(ticks) <= max(room, 2):
            return ticks
    return [low, high]


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
        for label, xs, ys in panel.drawn_curves():
            finite = np.isfinite(ys)  # a point between gaps has no line: mark it
            alone = finite & ~np.r_[False, finite[:-1]] & ~np.r_[finite[1:], False]
            ax.plot(xs, ys, label=label, marker="o", markevery=None if len(xs) < 30 else alone,
                    markersize=3 if len(xs) > 1 else 8)  # a lone point: a mark to see
        for label, y in panel.lines:
            ax.axhline(y, label=label, color="gray", linestyle="--", linewidth=1)
        if panel.log_x:
            ax.set_xscale("log")
        if panel.log_y:
            ax.set_yscale("log")
        if panel.y_range:
            low, high = panel.y_range
            ax.set_ylim(low - (high - low) / 30, high + (high - low) / 30)
        if panel.xlabel in ("epoch", "step") and not panel.log_x:
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set(title=panel.title, xlabel=panel.xlabel, ylabel=panel.ylabel)
        ax.grid(alpha=0.3)
        if panel.curves:
            ax.legend()
    return save_figure(figure, path)
