"""What `simplegrad sweep` shows: progress on stderr (a rich Live table of the trials on a
terminal, one plain line per event in CI logs) and the final results table on stdout."""
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.console import printable
from simplegrad_cli.words import metric_text


def shown_params(params):
    """'optimizer.lr=0.00123, data.batch_size=64'."""
    return ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                     for key, value in params.items())


class PlainSweepDisplay:
    """One line per trial event on stderr (no colours, no control characters)."""

    def __init__(self, sweep):
        self.sweep, self.metric = sweep, sweep.settings["metric"]

    def __enter__(self):
        s = self.sweep.settings
        space = ", ".join(f"{p.name} {p.describe()}" for p in self.sweep.params)
        self.message(f"sweep '{s['study']}': {s['trials']} trials of {self.sweep.base_file}, "
                     f"{s['mode']} {self.metric}, {s['sampler']['name']} sampler, "
                     f"{s['pruner']['name']} pruner, {s['jobs']} at a time -> {s['out']}; "
                     f"space: {space}")
        return self

    def __exit__(self, *exc):
        """Stop drawing (plain lines need nothing)."""

    def started(self, run):
        """A trial's process started."""
        self.message(f"trial {run.number} started: {shown_params(run.params)}")

    def finished(self, run, best):
        """A trial ended (completed, pruned, failed or interrupted)."""
        what = {"completed": f"completed: {self.metric} {metric_text(self.metric, run.value)}",
                "pruned": f"pruned at epoch {run.epoch} ({self.metric} "
                          f"{metric_text(self.metric, run.values.get(run.epoch))})",
                "interrupted": f"interrupted at epoch {run.epoch}",
                "failed": f"failed: {run.error}"}[run.outcome]
        line = f"trial {run.number} {what} in {run.seconds:.1f}s"
        if best is not None:
            line += f"; best so far: trial {best.number}, {metric_text(self.metric, best.value)}"
        self.message(line)

    def tick(self):
        """Called every poll (the live table redraws; plain lines wait for events)."""

    def message(self, text):
        """A status line."""
        display.info(text)


class LiveSweepDisplay(PlainSweepDisplay):
    """A rich Live table on stderr: running trials with their epoch, finished ones, the best."""

    def __init__(self, sweep):
        super().__init__(sweep)
        self.console = display.PrintableConsole(stderr=True)  # params and errors escaped
        self.done, self.running, self.best = [], [], None
        # drawn from this thread only (on events and every poll): the runs change under it
        self.live = Live(console=self.console, auto_refresh=False, get_renderable=self.render)

    def __enter__(self):
        super().__enter__()
        self.live.start()
        return self

    def started(self, run):
        self.running.append(run)
        self.tick()

    def finished(self, run, best):
        self.running = [r for r in self.running if r is not run]
        self.done.append(run)
        self.best = best
        self.tick()

    def tick(self):
        self.live.refresh()

    def message(self, text):
        self.console.print(text, highlight=False, markup=False)

    def render(self):
        """The latest finished trials, all running ones and the best so far."""
        table = Table(show_edge=False, pad_edge=False)
        for column in ("trial", "state", "params", self.metric, "epoch", "time"):
            table.add_column(column, justify="right" if column in ("trial", "epoch", "time")
                             else "left")
        for run in self.done[-12:] + self.running:
            value = run.value if run.outcome == "completed" else run.values.get(run.epoch)
            style = "bold green" if self.best is not None and run.number == self.best.number \
                else "dim" if run.outcome in ("pruned", "failed", "interrupted") else None
            table.add_row(str(run.number), run.outcome, shown_params(run.params),
                          metric_text(self.metric, value), str(run.epoch),
                          f"{run.seconds:.0f}s", style=style)
        best = "none yet" if self.best is None else \
            f"trial {self.best.number}: {metric_text(self.metric, self.best.value)} " \
            f"({shown_params(self.best.params)})"
        return Group(table, Text(printable(f"best so far: {best}")))

    def __exit__(self, *exc):
        self.live.stop()


def results_table(summary, console):
    """The study's trials, best first, on stdout (what the sweep found)."""
    metric = summary["metric"]
    records = summary["trial_records"]
    done = sorted((r for r in records if r["value"] is not None), key=lambda r: r["value"],
                  reverse=summary["mode"] == "max")
    rows = [[r["number"], r["outcome"], shown_params(r["params"]),
             metric_text(metric, r["value"]), r["epochs"],
             "-" if r["time_s"] is None else f"{r['time_s']:.1f}s"]
            for r in done + [r for r in records if r["value"] is None]]
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary["counts"].items()))
    display.table(f"sweep '{summary['study']}' ({counts}) in {summary['time_s']:.1f}s",
                  [">trial", "outcome", "params", f">{metric}", ">epochs", ">time"], rows,
                  console)
    best = summary["best"]
    if best is not None:
        display.say(console, f"best: trial {best['number']}, {metric} "
                    f"{metric_text(metric, best['value'])}; config {best['config']}")
