"""`simplegrad graph CONFIG_OR_CHECKPOINT`: the model as a diagram, one box per layer, built as
`validate` (a config) or `eval` (a checkpoint) builds it; DOT text on stdout, or --out rendered
by `simplegrad.viz` (.svg and .png need Graphviz's `dot`)."""
import os
import sys

from simplegrad.viz import Dot, GraphvizMissing, dot_attributes, quote

from simplegrad_cli import build, display
from simplegrad_cli.errors import OK, CliError
from simplegrad_cli.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.stored_run import load_run

SUFFIXES = (".svg", ".png", ".dot")


def _layers(source):
    """(input shape, model summary rows, config, the files read: (path, role) pairs) of a
    checkpoint (.npz, a zip file) or a YAML config."""
    zipped = source.lower().endswith(".npz")
    try:
        if not zipped:
            with open(source, "rb") as file:
                zipped = file.read(4) == b"PK\x03\x04"
    except OSError:
        pass  # load_config reports the missing file
    if zipped:
        _, cfg, _, rows, (input_shape, _, _) = load_run(source)
        return input_shape, rows, cfg, run_inputs(source, cfg)
    cfg, data, _, rows, _ = build.build_from_config(source)
    return data.input_shape, rows, cfg, [(source, "the config being drawn")] + data_inputs(
        cfg.values["data"]["source"])


def model_dot(input_shape, rows, name="model"):
    """DOT text of a model summary: input, then each layer (arguments, output shape,
    parameters), top to bottom."""
    total = sum(row.parameters for row in rows)
    title = dot_attributes(rankdir="TB", label=f"{name}: {total:,} parameters", labelloc="b",
                           fontname="Helvetica", fontsize=11)
    first = dot_attributes(label=f"input {tuple(input_shape)}", style="filled",
                           fillcolor="lightblue")
    lines = [f"digraph {quote(name)} {{", f"  graph {title};",
             '  node [shape="box", style="rounded", fontname="Helvetica", fontsize=11];',
             f"  input {first};"]
    previous = "input"
    for row in rows:
        arguments = row.module.extra_repr()
        label = "\n".join([f"{row.index}: {row.name}"] + [arguments] * bool(arguments)
                          + [f"output {tuple(row.output_shape)}",
                             f"{row.parameters:,} parameters"])
        lines.append(f"  layer{row.index} {dot_attributes(label=label)};")
        lines.append(f"  {previous} -> layer{row.index};")
        previous = f"layer{row.index}"
    return Dot("\n".join(lines + ["}"]) + "\n")


def graph(source, out):
    """`simplegrad graph`: print the model's DOT text, or write it / its picture to `out`."""
    if out is not None and not out.lower().endswith(SUFFIXES):
        raise CliError(f"{out}: unknown picture format; use a name ending in "
                       f"{', '.join(SUFFIXES)}", where="--out")
    input_shape, rows, cfg, inputs = _layers(source)
    dot = model_dot(input_shape, rows, cfg.name)
    if out is None:
        sys.stdout.write(dot)
        return OK
    refuse_inputs(out, inputs)
    try:
        dot.render(out)
    except GraphvizMissing as error:
        raise CliError(f"cannot write {out}: {error}; or use --out FILE.dot") from None
    except OSError as error:
        raise CliError(f"{out}: cannot write: {error.strerror or error}", where="--out") \
            from None
    display.info(f"wrote {out} ({len(rows)} layers, {os.path.getsize(out):,} bytes)")
    return OK
