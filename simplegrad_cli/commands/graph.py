"""`simplegrad graph CONFIG_OR_CHECKPOINT`: the model as a diagram, one box per layer, worked
out as `validate` does (a config's data is never read) or rebuilt as `eval` does (a checkpoint);
DOT text on stdout, or --out rendered by `simplegrad.viz` (.svg and .png need Graphviz)."""
import os

from simplegrad.viz import Dot, GraphvizMissing, dot_attributes, quote

from simplegrad_cli.config.validation import load_config
from simplegrad_cli.errors import CliError
from simplegrad_cli.run import build
from simplegrad_cli.inputs.datasets import data_shape
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.run.stored_run import load_run
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report

SUFFIXES = (".svg", ".png", ".dot")


def _layers(source, overrides=()):
    """(input shape, model summary rows, model name, the files read: (path, role) pairs) of a
    checkpoint (.npz, a zip file) or a YAML config; a config's data is never read: shapes it
    cannot tell are None."""
    zipped = source.lower().endswith(".npz")
    try:
        if not zipped:
            with open(source, "rb") as file:
                zipped = file.read(4) == b"PK\x03\x04"
    except OSError:
        pass  # load_config reports the missing file
    if zipped:
        if overrides:
            raise CliError("applies to a config; a checkpoint's model is drawn as it was "
                           "trained", where="--set")
        _, cfg, _, rows, (input_shape, _, _) = load_run(source)
        return input_shape, rows, cfg.name, run_inputs(source, cfg)
    cfg = load_config(source, overrides)
    known = data_shape(cfg)
    rows = build.plan_model(cfg, known.input_shape)
    build.check_outputs(cfg, rows, known.num_classes)
    return known.input_shape, rows, cfg.name, [(source, "the config being drawn")] + \
        data_inputs(cfg.values["data"]["source"])


def model_dot(input_shape, rows, name="model"):
    """DOT text of a model summary: input, then each layer (arguments in the config's names,
    output shape, parameters; `?` where the input shape is unknown), top to bottom."""
    total = build.total_parameters(rows)
    totals = f"{total:,} parameters" if total is not None else \
        "? parameters (input shape unknown: set data.input_shape)"
    title = dot_attributes(rankdir="TB", label=f"{name}: {totals}", labelloc="b",
                           fontname="Helvetica", fontsize=11)
    first = dot_attributes(label=f"input {build.shape_text(input_shape)}", style="filled",
                           fillcolor="lightblue")
    lines = [f"digraph {quote(name)} {{", f"  graph {title};",
             '  node [shape="box", style="rounded", fontname="Helvetica", fontsize=11];',
             f"  input {first};"]
    previous = "input"
    for row in rows:
        arguments = row.arguments_text()
        count = "?" if row.parameters is None else f"{row.parameters:,}"
        label = "\n".join([f"{row.index}: {row.name}"] + [arguments] * bool(arguments)
                          + [f"output {build.shape_text(row.output_shape)}",
                             f"{count} parameters"])
        lines.append(f"  layer{row.index} {dot_attributes(label=label)};")
        lines.append(f"  {previous} -> layer{row.index};")
        previous = f"layer{row.index}"
    return Dot("\n".join(lines + ["}"]) + "\n")


def run(options):
    """The model's DOT text for stdout, or it (or its picture) written to `out`; the layers as
    validate --json reports them."""
    source, out = options.source, options.out
    if out is not None and not out.lower().endswith(SUFFIXES):
        raise CliError(f"{out}: unknown picture format; use a name ending in "
                       f"{', '.join(SUFFIXES)}", where="--out")
    input_shape, rows, name, inputs = _layers(source, options.overrides)
    dot = model_dot(input_shape, rows, name)
    if out is not None:
        refuse_inputs(out, inputs)
        try:
            dot.render(out)
        except GraphvizMissing as error:
            raise CliError(f"cannot write {out}: {error}; or use --out FILE.dot") from None
        except OSError as error:
            raise CliError(f"{out}: cannot write: {error.strerror or error}", where="--out") \
                from None
        display.info(f"wrote {out} ({len(rows)} layers, {os.path.getsize(out):,} bytes)")
    return Report({"source": source, "name": name, "out": out,
                   "input_shape": None if input_shape is None else list(input_shape),
                   "layers": [row.to_json() for row in rows],
                   "parameters": build.total_parameters(rows)},
                  None if out is not None else lambda console: display.write(dot))
