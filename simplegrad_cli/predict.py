"""`simplegrad predict`: a checkpoint's model on new inputs -> the top-k classes of each.

Images, arrays, CSV rows or a dataset split are prepared exactly as the training data was
(predict_inputs.py), run through the model in eval mode in batches, and reported as a table,
JSON, or a CSV file written atomically. Folders of images stream: only one batch of pixels is
in memory at a time, with a progress bar on stderr when it is a terminal.
"""
import csv
import io
import sys

import numpy as np

from simplegrad_cli import display
from simplegrad_cli.errors import OK, CliError, printable
from simplegrad_cli.predict_inputs import ModelInput, decode_images, expand, is_image, \
    read_samples

BATCH = 256  # samples per forward pass (and images decoded at a time)
TABLE_ROWS = 500  # more predictions than this print as plain lines


def class_probabilities(model, x, batch=BATCH):
    """softmax(model(x)) over the classes, in eval mode and without a graph, batch by batch."""
    from simplegrad import Tensor, no_grad

    model.eval()
    parts = []
    with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, len(x), batch):
            parts.append(model(Tensor(x[start:start + batch])).softmax(axis=-1).data)
    return np.concatenate(parts)


def top_k(probabilities, k):
    """(classes, probabilities) of the k most likely classes of each row, most likely first."""
    k = min(k, probabilities.shape[1])
    classes = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return classes, np.take_along_axis(probabilities, classes, axis=1)


def _batches(inputs, split_data, model_input, batch):
    """(names, model input, labels or None) in batches, and the total number of samples."""
    files = expand(inputs)
    images = [f for f in files if is_image(f)]
    if images:
        decode_images(images[:1], model_input)  # a model that reads no images fails at once
    tables = [(f, *read_samples(f, model_input)) for f in files if not is_image(f)]
    total = len(images) + sum(len(names) for _, _, names in tables) + \
        (len(split_data[1]) if split_data else 0)

    def generate():
        for start in range(0, len(images), batch):
            names = images[start:start + batch]
            pixels = decode_images(names, model_input)
            yield names, model_input.prepare(pixels, names[0]), None
        for path, raw, names in tables:
            x = model_input.prepare(raw, path)
            for start in range(0, len(x), batch):
                yield names[start:start + batch], x[start:start + batch], None
        if split_data:
            where, dataset = split_data
            for start in range(0, len(dataset), batch):
                stop = min(start + batch, len(dataset))
                yield [f"{where}[{i}]" for i in range(start, stop)], dataset.x[start:stop], \
                    dataset.y[start:stop]
    return generate(), total


def _split(cfg, source, split, model_input):
    """('SOURCE:SPLIT', dataset) for --data/--split, preprocessed as in training."""
    from simplegrad_cli import build

    split = split or cfg.values["data"]["test_split"] or "test"
    dataset = build.load_split(cfg, split, source=source)
    where = f"{source or cfg.values['data']['source']}:{split}"
    if tuple(dataset.input_shape) != model_input.shape:
        raise CliError(f"{where}: samples have shape {tuple(dataset.input_shape)}, but the model "
                       f"expects {model_input.expects()}")
    return where, dataset


def predict(checkpoint_path, inputs, source, split, k, as_json, out, batch=BATCH):
    """`simplegrad predict`: print (or write to `out`) the top-k classes of every input."""
    from simplegrad_cli.stored_run import open_checkpoint, rebuild_model, stored_config, \
        stored_data_info

    if not inputs and source is None and split is None:
        raise CliError("give INPUT files or folders, or --data SOURCE --split NAME")
    if out is not None and not str(out).lower().endswith(".csv"):
        raise CliError(f"{out}: predictions are written as CSV; name the file *.csv",
                       where="--out")
    checkpoint = open_checkpoint(checkpoint_path)
    cfg = stored_config(checkpoint)
    model, _ = rebuild_model(checkpoint, cfg)
    input_shape, num_classes, class_names = stored_data_info(checkpoint)
    model_input = ModelInput.of(cfg, input_shape)
    split_data = _split(cfg, source, split, model_input) \
        if source is not None or split is not None else None
    batches, total = _batches(inputs, split_data, model_input, batch)
    rows = []
    with _progress(total) as advance:
        for names, x, labels in batches:
            classes, probabilities = top_k(class_probabilities(model, x, batch), k)
            for i, name in enumerate(names):
                row = {"input": name, "top": [
                    {"class": int(c), "name": _name(class_names, c), "probability": float(p)}
                    for c, p in zip(classes[i], probabilities[i])]}
                if labels is not None:
                    row["label"] = int(labels[i])
                rows.append(row)
            advance(len(names))
    if out is not None:
        from simplegrad.atomic import write_text

        write_text(out, to_csv(rows))
        display.info(f"wrote {len(rows):,} predictions to {out}")
    if as_json:
        display.print_json({"checkpoint": checkpoint.path, "top_k": min(k, num_classes),
                            "samples": len(rows), "predictions": rows})
    elif out is None:
        _table(rows)
    return OK


def _name(class_names, c):
    return str(class_names[c]) if class_names and c < len(class_names) else None


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


class _progress:
    """A transient progress bar on stderr when it is a terminal; `advance(n)` inside."""

    def __init__(self, total):
        self.total, self.bar = total, None

    def __enter__(self):
        if sys.stderr.isatty() and self.total > BATCH:
            from rich.progress import Progress

            self.bar = Progress(console=display.PrintableConsole(stderr=True), transient=True)
            self.task = self.bar.add_task("predict", total=self.total)
            self.bar.start()
        return self.advance

    def advance(self, count):
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
