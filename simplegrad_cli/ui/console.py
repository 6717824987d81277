"""Results on stdout (rich tables, text or JSON) and messages on stderr, escaped here only, so no
text from a file can move the cursor, hide itself or reveal a credential."""
import json
import math
import shutil
import sys

from rich.console import Console
from rich.table import Table

from simplegrad_cli.redact import redact

MAX_LINE = 2000  # characters; a longer message is cut, saying how much was left out


def printable(text):
    """`text` with each non-printable character (controls, zero-width and bidi marks) written as
    its `repr` escape (`\\x1b`), and with credentials masked (redact.py)."""
    text = redact(text)
    return text if text.isprintable() else "".join(
        char if char.isprintable() else repr(char)[1:-1] for char in text)


def one_line(text):
    """A message as one printable line: whitespace collapsed, invisible characters escaped, at
    most MAX_LINE characters (the rest summarised)."""
    text = printable(" ".join(str(text).split()))
    if len(text) > MAX_LINE:
        text = f"{text[:MAX_LINE]}... ({len(text) - MAX_LINE:,} more characters)"
    return text


def printable_lines(text):
    """`text` with the control and invisible characters of each line escaped (newlines kept)."""
    return "\n".join(printable(line) for line in str(text).split("\n"))


def info(text):
    """A plain progress or status line (or lines) on stderr."""
    sys.stderr.write(printable_lines(text) + "\n")
    sys.stderr.flush()


def error_line(text):
    """The one line a failed command ends with, on stderr."""
    info(one_line(text))


def write(text):
    """Text on stdout as it is: a chart whose labels were escaped when it was drawn (its
    colour codes are meant), or DOT text."""
    sys.stdout.write(text)
    sys.stdout.flush()


class PrintableConsole(Console):
    """A rich Console that escapes non-printable characters in every string it renders
    (messages, titles, table cells), whatever file or checkpoint they came from."""

    def render_str(self, text, **options):
        """Render `text` with its control and invisible characters escaped."""
        return super().render_str(printable_lines(text), **options)


def output_width(default):
    """Columns for results on stdout: $COLUMNS when set (in a pipe too), else the terminal's
    width, else `default`."""
    return shutil.get_terminal_size((default, 24)).columns


def results_console():
    """A rich Console on stdout: colours only on a terminal, a wide layout when piped."""
    return PrintableConsole(width=output_width(120))


def say(console, *lines, wrap=True):
    """Print plain lines of results on `console` (their text is never markup), folded at its
    width unless not `wrap` (a command to copy)."""
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=not wrap)


def table(title, columns, rows, console=None):
    """Print a title line and a rich table on stdout: `columns` are headers (right-aligned if
    they start with '>'), `rows` are lists of already formatted strings."""
    console = console or results_console()
    console.print(title, style="bold", highlight=False, markup=False)
    grid = Table(show_edge=False, pad_edge=False)
    for column in columns:
        grid.add_column(column.lstrip(">"), justify="right" if column.startswith(">") else "left")
    for row in rows:
        grid.add_row(*[printable(str(cell)) for cell in row])
    console.print(grid)


def print_json(value):
    """A command's result as JSON on stdout; NaN and infinities (not JSON) become null, and
    credentials in strings are masked."""
    def strict(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, str):
            return redact(item)
        if isinstance(item, dict):
            return {key: strict(v) for key, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [strict(v) for v in item]
        return item

    write(json.dumps(strict(value), indent=2, allow_nan=False) + "\n")
