"""`simplegrad predict`: a checkpoint's model on new inputs (prepared as in training, streamed
in batches) -> the top-k classes of each, as a table, JSON, or a CSV file."""
import csv
import io
import os
import sys

import numpy as np
from rich.progress import Progress
from simplegrad import Tensor, no_grad
from simplegrad.atomic import write_text

from simplegrad_cli import build, display
from simplegrad_cli.errors import OK, CliError, printable
from simplegrad_cli.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.predict_inputs import ModelInput, decode_images, expand, is_image, \
    read_samples
from simplegrad_cli.stored_run import load_run

BATCH = 256  # samples per forward pass (and images decoded at a time)
TABLE_ROWS = 500  # more predictions than this print as plain lines


def class_probabilities(model, x, batch=BATCH):
    """softmax(model(x)) over the classes, in eval mode and without a graph, batch by batch."""
    model.eval()
    with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.concatenate([model(Tensor(x[start:start + batch])).softmax(axis=-1).data
                               for start in range(0, len(x), batch)])


def top_k(probabilities, k):
    """(classes, probabilities) of the k most likely classes of each row, most likely first."""
    classes = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return classes, np.take_along_axis(probabilities, classes, axis=1)


def _batches(inputs, source, split, model_input, batch):
    """(names, model input, labels or None) in batches, and the total number of samples."""
    where = dataset = None
    if source is not None or split is not None:  # --data/--split, preprocessed as in training
        cfg = model_input.cfg
        split = split or cfg.values["data"]["test_split"] or "test"
        dataset = build.load_split(cfg, split, source=source)
        where = f"{source or cfg.values['data']['source']}:{split}"
        if tuple(dataset.input_shape) != model_input.shape:
            raise CliError(f"{where}: samples have shape {tuple(dataset.input_shape)}, "
                           f"but the model expects {model_input.expects()}")
    files = expand(inputs)
    images = [f for f in files if is_image(f)]
    if images:
        decode_images(images[:1], model_input)  # a model that reads no images fails at once
    tables = [(f, *read_samples(f, model_input)) for f in files if not is_image(f)]
    total = len(images) + sum(len(names) for _, _, names in tables) + \
        (len(dataset) if dataset is not None else 0)

    def generate():
        for start in range(0, len(images), batch):
            names = images[start:start + batch]
            yield names, model_input.prepare(decode_images(names, model_input), names[0]), None
        for path, raw, names in tables:
            x = model_input.prepare(raw, path)
            for start in range(0, len(x), batch):
                yield names[start:start + batch], x[start:start + batch], None
        if dataset is not None:
            for start in range(0, len(dataset), batch):
                stop = min(start + batch, len(dataset))
                yield [f"{where}[{i}]" for i in range(start, stop)], dataset.x[start:stop], \
                    dataset.y[start:stop]
    return generate(), total


def predict(checkpoint_path, inputs, source, split, k, as_json, out, batch=BATCH):
    """`simplegrad predict`: print (or write to `out`) the top-k classes of every input."""
    if not inputs and source is None and split is None:
        raise CliError("give INPUT files or folders, or --data SOURCE --split NAME")
    if out is not None and not str(out).lower().endswith(".csv"):
        raise CliError(f"{out}: predictions are written as CSV; name the file *.csv",
                       where="--out")
    checkpoint, cfg, model, _, (input_shape, num_classes, class_names) = \
        load_run(checkpoint_path)
    if out is not None:
        refuse_inputs(out, run_inputs(checkpoint.path, cfg) + data_inputs(source) + [
            (path, "the input folder" if os.path.isdir(path) else "an input file")
            for path in map(str, inputs)])
    model_input = ModelInput.of(cfg, input_shape)
    batches, total = _batches(inputs, source, split, model_input, batch)
    rows = []
    bar = Progress(console=display.PrintableConsole(stderr=True), transient=True,
                   disable=not (sys.stderr.isatty() and total > BATCH))
    task = bar.add_task("predict", total=total)
    with bar:
        for names, x, labels in batches:
            classes, probabilities = top_k(class_probabilities(model, x, batch), k)
            for i, name in enumerate(names):
                rows.append({"input": name, "top": [
                    {"class": int(c), "name": str(class_names[c]) if class_names and
                     c < len(class_names) else None, "probability": float(p)}
                    for c, p in zip(classes[i], probabilities[i])]})
                if labels is not None:
                    rows[-1]["label"] = int(labels[i])
            bar.advance(task, len(names))
    if out is not None:
        write_text(out, to_csv(rows))
        display.info(f"wrote {len(rows):,} predictions to {out}")
    if as_json:
        display.print_json({"checkpoint": checkpoint.path, "top_k": min(k, num_classes),
                            "samples": len(rows), "predictions": rows})
    elif out is None:
        _table(rows)
    return OK


def to_csv(rows):
    """input, class_1, name_1, probability_1, ..., [label] as CSV text."""
    k = len(rows[0]["top"]) if rows else 0
    named = any(t["name"] is not None for r in rows for t in r["top"])
    labelled = any("label" in r for r in rows)
    header = ["input"]
    for i in range(1, k + 1):
        header += [f"class_{i}"] + [f"name_{i}"] * named + [f"probability_{i}"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header + ["label"] * labelled)
    for row in rows:
        cells = [row["input"]]
        for t in row["top"]:
            cells += [t["class"]] + [t["name"]] * named + [f"{t['probability']:.6g}"]
        writer.writerow(cells + [row.get("label", "")] * labelled)
    return buffer.getvalue()


def _table(rows):
    """A rich table; beyond TABLE_ROWS inputs, plain aligned lines (rich takes longer to lay
    out 10,000 rows than the model takes to predict them)."""
    k = len(rows[0]["top"]) if rows else 0
    labelled = any("label" in r for r in rows)

    def cell(t):
        name = f" {t['name']}" if t["name"] is not None and t["name"] != str(t["class"]) else ""
        return f"{t['class']}{name} {t['probability'] * 100:.1f}%"

    title = f"predictions ({len(rows):,} inputs)"
    header = ["input"] + ["label"] * labelled + [f"top {i}" for i in range(1, k + 1)]
    cells = [[printable(r["input"])] + [str(r.get("label", ""))] * labelled +
             [printable(cell(t)) for t in r["top"]] for r in rows]
    if len(rows) <= TABLE_ROWS:
        display.table(title, [header[0]] + [">label"] * labelled + header[1 + labelled:], cells)
        return
    widths = [max(len(line[i]) for line in [header] + cells) for i in range(len(header))]
    lines = [title] + ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
                       for line in [header] + cells]
    sys.stdout.write("\n".join(lines) + "\n")
