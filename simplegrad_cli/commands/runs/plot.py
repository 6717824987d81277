"""`simplegrad plot`: the learning curves of one or more runs, overlaid, or with --diagnostics
what each layer did, as a text chart on the terminal or an image file (works on a run that is
still training)."""
import os
import sys

from simplegrad_cli.errors import CliError, usage_error
from simplegrad_cli.run.diagnostics import layer_series, read_diagnostics
from simplegrad_cli.run.metrics_log import X_AXES
from simplegrad_cli.run.output_guard import refuse_inputs
from simplegrad_cli.run.run_folder import RUN_FILES
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.charts import FILE_FORMATS, file_chart, text_chart
from simplegrad_cli.ui.curves import chosen_metrics, metric_panels, read_runs
from simplegrad_cli.ui.layer_panels import layer_panels
from simplegrad_cli.ui.report import Report


def run(options):
    """Draw the runs' metrics (or their layers' `diagnostics`) on the terminal or into `out`;
    the report holds the values drawn, per run and metric (or series and layer)."""
    targets, x, out = options.runs, options.x, options.out
    if x not in X_AXES:
        raise usage_error(f"must be one of {', '.join(X_AXES)}, got {x!r}", "--x")
    extension = os.path.splitext(str(out))[1].lower()
    if out is not None and extension not in FILE_FORMATS:  # refused before any work
        raise CliError(f"{out}: unknown image format {extension or '(no extension)'!r}; "
                       f"expected {', '.join(FILE_FORMATS)}", where="--out")
    histories = read_runs(targets)
    if options.diagnostics:
        if options.metric:
            raise usage_error("draws the diagnostics' own series; leave out --metric",
                              "--diagnostics")
        series = [(h, layer_series(read_diagnostics(h.folder))) for h in histories]
        panels = [panel for h, s in series for panel in layer_panels(h.name, s)]
        data = {"x": "step", "out": out, "runs": [
            {"run": h.name, "folder": h.folder, "diagnostics": {
                name: {layer: {"x": steps, "y": values} for layer, (steps, values) in
                       by_layer.items()} for name, by_layer in s.items()}} for h, s in series]}
    else:
        metrics = chosen_metrics(histories, options.metric)
        panels = metric_panels(histories, metrics, x)
        data = {"x": x, "out": out, "runs": [
            {"run": h.name, "folder": h.folder,
             "metrics": {metric: _values(h, metric, x) for metric in metrics
                         if h.values(metric)}} for h in histories]}
    if out is not None:
        refuse_inputs(out, [(target, "an input") for target in map(str, targets)
                            if not os.path.isdir(target)] +
                      [(os.path.join(h.folder, name), f"the run's {name}")
                       for h in histories for name in RUN_FILES])
        file_chart(panels, out)
        display.info(f"wrote {out}")

    def render(console):
        width = min(max(display.output_width(80), 40), 120)
        display.write(text_chart(panels, width=width, color=sys.stdout.isatty()) + "\n")
    return Report(data, render if out is None else None)


def _values(history, metric, x):
    """A run's `metric` as --json reports it: the finite values drawn, and how many are not."""
    xs, ys = history.series(metric, x)
    return {"x": xs.tolist(), "y": ys.tolist(), "not_finite": history.non_finite(metric)}
