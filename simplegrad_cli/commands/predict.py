"""`simplegrad predict`: a checkpoint's model on new inputs (prepared as in training, streamed
in batches) -> the top-k classes of each, as a table, JSON, or a CSV file."""
import csv
import io
import os
import sys

import numpy as np
from rich.progress import Progress
from simplegrad.atomic import write_text

from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.datasets import load_scored_split
from simplegrad_cli.inputs.model_input import ModelInput, decode_images, expand, is_image
from simplegrad_cli.inputs.sample_files import read_samples
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.run.run_metadata import RunMetadata
from simplegrad_cli.run.stored_run import load_run, weights_not_finite
from simplegrad_cli.run.evaluation import PREDICT_BATCH, class_probabilities, eval_batch
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.report import Report
from simplegrad_cli.words import plural

SHOWN_WARNINGS = 5  # warning lines printed; --json has all of them


def top_k(probabilities, k):
    """(classes, probabilities) of the k most likely classes of each row, most likely first."""
    classes = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return classes, np.take_along_axis(probabilities, classes, axis=1)


def _batches(inputs, source, split, model_input, batch):
    """(names, model input, labels or None, warnings per sample) in batches, the total number
    of samples, and where a --data/--split dataset came from (or None)."""
    where = dataset = None
    if source is not None or split is not None:  # --data/--split, preprocessed as in training
        cfg = model_input.cfg
        split = split or cfg.values["data"]["test_split"] or "test"
        dataset, _ = load_scored_split(cfg, split, source=source)
        where = f"{source or cfg.values['data']['source']}:{split}"
        if tuple(dataset.input_shape) != model_input.shape:
            raise CliError(f"{where}: samples have shape {tuple(dataset.input_shape)}, but the "
                           f"model expects {model_input.expects()}")
    files = expand(inputs)
    images = [f for f in files if is_image(f)]
    if images:
        decode_images(images[:1], model_input)  # a model that reads no images fails at once
    tables = [(f, *read_samples(f, model_input)) for f in files if not is_image(f)]
    total = len(images) + sum(len(names) for _, _, names, _ in tables) + \
        (len(dataset) if dataset is not None else 0)

    def generate():
        for start in range(0, len(images), batch):
            names = images[start:start + batch]
            pictures, notes = decode_images(names, model_input)
            x = model_input.prepare(pictures, names[0])
            yield names, x, None, [n + model_input.unusual(sample) for n, sample in
                                   zip(notes, x)]
        for path, raw, names, labels in tables:
            x = model_input.prepare(raw, path)
            for start in range(0, len(x), batch):
                stop = start + batch
                yield names[start:stop], x[start:stop], \
                    None if labels is None else labels[start:stop], [[]] * len(x[start:stop])
        if dataset is not None:
            for start in range(0, len(dataset), batch):
                stop = min(start + batch, len(dataset))
                yield [f"{where}[{i}]" for i in range(start, stop)], dataset.x[start:stop], \
                    dataset.y[start:stop], [[]] * (stop - start)
    return generate(), total, where


def run(options, batch=PREDICT_BATCH):
    """The top-k classes of every input (written to `out` as CSV when given), with the
    accuracy where the inputs come with labels."""
    inputs, source, split, k, out = options.inputs or [], options.data, options.split, \
        options.top_k, options.out
    if not inputs and source is None and split is None:
        raise CliError("give INPUT files or folders, or --data SOURCE --split NAME")
    if out is not None and not str(out).lower().endswith(".csv"):
        raise CliError(f"{out}: predictions are written as CSV; name the file *.csv",
                       where="--out")
    checkpoint, cfg, model, _, (input_shape, num_classes, class_names) = \
        load_run(options.checkpoint)
    if out is not None:
        refuse_inputs(out, run_inputs(checkpoint.path, cfg) + data_inputs(source) + [
            (path, "the input folder" if os.path.isdir(path) else "an input file")
            for path in map(str, inputs)])
    broken = weights_not_finite(model)
    if broken:
        raise CliError(f"{checkpoint.path}: {broken}; its predictions would mean nothing "
                       "(use an earlier checkpoint, or train again)")
    pictures = RunMetadata.read(checkpoint).data.get("pictures")
    model_input = ModelInput.of(cfg, input_shape, pictures, class_names, num_classes)
    batch = eval_batch(num_classes, batch)  # a model of a million classes: a few at a time
    batches, total, dataset = _batches(inputs, source, split, model_input, batch)
    rows = []
    bar = Progress(console=display.PrintableConsole(stderr=True), transient=True,
                   disable=not (sys.stderr.isatty() and total > PREDICT_BATCH))
    task = bar.add_task("predict", total=total)
    with bar:
        for names, x, labels, notes in batches:
            probabilities = class_probabilities(model, x, batch)
            finite = np.isfinite(probabilities).all(axis=1)
            if not finite.all():
                raise CliError(f"{names[int(np.argmin(finite))]}: the model's outputs are not "
                               "finite for this input (they overflow); no prediction is made")
            classes, probabilities = top_k(probabilities, k)
            for i, name in enumerate(names):
                rows.append({"input": name, "top": [
                    {"class": int(c), "name": str(class_names[c]) if class_names and
                     c < len(class_names) else None, "probability": float(p)}
                    for c, p in zip(classes[i], probabilities[i])]})
                if labels is not None:
                    rows[-1]["label"] = int(labels[i])
                if notes[i]:
                    rows[-1]["warnings"] = notes[i]
            bar.advance(task, len(names))
    accuracy = _accuracy(rows)
    _warn(rows)
    if out is not None:
        write_text(out, to_csv(rows))
        display.info(f"wrote {plural(len(rows), 'prediction')} to {out}")

    def render(console):
        if out is None:
            _table(rows)
        if accuracy is not None:
            labelled = sum("label" in r for r in rows)
            display.say(console, f"accuracy {accuracy * 100:.2f}% on "
                                 f"{plural(labelled, 'labelled input')}" +
                        (f" ({dataset})" if dataset else ""))
    return Report({"checkpoint": checkpoint.path, "top_k": min(k, num_classes),
                   "samples": len(rows), "accuracy": accuracy, "predictions": rows}, render)


def _accuracy(rows):
    """The fraction of labelled rows whose most likely class is the label (None: no labels)."""
    labelled = [r for r in rows if "label" in r]
    if not labelled:
        return None
    return sum(r["top"][0]["class"] == r["label"] for r in labelled) / len(labelled)


def _warn(rows):
    """A warning line on stderr for each input unlike the training data (the first few)."""
    warned = [r for r in rows if r.get("warnings")]
    for row in warned[:SHOWN_WARNINGS]:
        display.info(f"warning: {row['input']}: {'; '.join(row['warnings'])}")
    if len(warned) > SHOWN_WARNINGS:
        display.info(f"warning: {len(warned) - SHOWN_WARNINGS:,} more inputs look unlike the "
                     "training data (see --json)")


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
    """The predictions as aligned columns under a title and a header, by hand: rich would take
    longer to lay out 10,000 rows than the model takes to predict them."""
    k = len(rows[0]["top"]) if rows else 0
    labelled = any("label" in r for r in rows)

    def cell(t):
        name = f" {t['name']}" if t["name"] is not None and t["name"] != str(t["class"]) else ""
        return f"{t['class']}{name} {t['probability'] * 100:.1f}%"

    header = ["input"] + ["label"] * labelled + [f"top {i}" for i in range(1, k + 1)]
    cells = [[display.printable(r["input"])] + [str(r.get("label", ""))] * labelled +
             [display.printable(cell(t)) for t in r["top"]] for r in rows]
    widths = [max(len(line[i]) for line in [header] + cells) for i in range(len(header))]
    lines = [f"predictions ({plural(len(rows), 'input')})"] + [
        "  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
        for line in [header] + cells]
    display.write("\n".join(lines) + "\n")
