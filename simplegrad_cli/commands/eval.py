"""`simplegrad eval`: score a checkpoint on a split it was not trained on (`--split val` means
exactly the examples the run held out), with a confusion matrix and per-class metrics."""
import math
import os

import numpy as np
from simplegrad.data.fingerprint import count_seen

from simplegrad_cli.config.validation import absolute_source
from simplegrad_cli.errors import CHECK_FAILED, OK, CliError, usage_error
from simplegrad_cli.inputs.datasets import VALIDATION_SPLITS, load_scored_split
from simplegrad_cli.run import build
from simplegrad_cli.run.evaluation import evaluate as run_eval
from simplegrad_cli.run.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.run.stored_run import load_run, training_rows, weights_not_finite
from simplegrad_cli.ui import console as display
from simplegrad_cli.ui.eval_plots import PLOT_FILES, prepare_folder, write_eval_plots
from simplegrad_cli.ui.report import Report

OVERLAP_LIMIT = 0.1  # a larger share of training examples among the scored ones is refused
MAX_TABLE_CLASSES = 1000  # beyond this, per-class rows and the confusion matrix are left out


def run(options):
    """Score the checkpoint's model on a split it was not trained on (unless allowed); with
    `plots`, draw the confusion matrix and the worst mistakes into that folder."""
    source, split, min_accuracy, plots = options.data, options.split, options.min_accuracy, \
        options.plots
    if min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0:
        raise usage_error(f"must be a fraction in [0, 1], got {min_accuracy}", "--min-accuracy")
    for option, value, expected in [("--data", source, "a data source"),
                                     ("--split", split, "a split name such as test"),
                                     ("--plots", plots, "a folder")]:
        if value is not None and not value.strip():
            raise CliError(f"{option}: must not be empty; expected {expected}, or leave the "
                           "option out for the checkpoint's own")
    if plots is not None:
        prepare_folder(plots)
    checkpoint, cfg, model, _, (input_shape, num_classes, class_names) = \
        load_run(options.checkpoint)
    if plots is not None:
        inputs = run_inputs(checkpoint.path, cfg) + data_inputs(source)
        for name in PLOT_FILES:
            refuse_inputs(os.path.join(plots, name), inputs, "--plots")
    tables = num_classes <= MAX_TABLE_CLASSES  # per class and the confusion matrix
    if plots is not None and not tables:
        raise CliError(f"{checkpoint.path}: this model predicts {num_classes:,} classes; a "
                       f"confusion matrix is drawn for at most {MAX_TABLE_CLASSES:,}",
                       where="--plots")
    split = split or cfg.values["data"]["test_split"]
    if split is None:
        raise CliError(f"{checkpoint.path}: its config has no data.test_split; pass --split "
                       "NAME (and --data SOURCE for other data)")
    shown_source = source or cfg.values["data"]["source"]

    def fits(dataset):  # checked before the overlap: data the model cannot take is refused
        if tuple(dataset.input_shape) != input_shape:
            raise CliError(f"{shown_source} ({split}): samples have shape "
                           f"{tuple(dataset.input_shape)} but the model expects {input_shape}")
        if dataset.num_classes > num_classes or int(dataset.y.max()) >= num_classes:
            raise CliError(f"{shown_source} ({split}): has {dataset.num_classes} classes but "
                           f"the model predicts {num_classes}")

    dataset, overlap = eval_dataset(cfg, checkpoint, split, source, options.allow_train_overlap,
                                    fits)
    loss_fn = build.make_loss(cfg.values["loss"], num_classes)
    result = run_eval(model, dataset, loss_fn, num_classes)
    confusion = confusion_matrix(dataset.y, result["predictions"], num_classes) \
        if tables else None
    class_names = class_names or getattr(dataset, "class_names", None)
    broken = _not_finite(model, result["loss"])
    passed = min_accuracy is None or (broken is None and result["accuracy"] >= min_accuracy)
    report = {"checkpoint": checkpoint.path, "source": shown_source, "split": split,
              "samples": len(dataset), "loss": result["loss"], "accuracy": result["accuracy"],
              "per_class": per_class(confusion, class_names) if tables else None,
              "confusion_matrix": confusion.tolist() if tables else None,
              "min_accuracy": min_accuracy, "passed": passed, "not_finite": broken,
              "overlaps_training": overlap["overlaps"], "training_overlap": overlap["count"]}
    if plots is not None:
        report["plots"] = write_eval_plots(plots, model, dataset, confusion, class_names,
                                           input_shape)
        display.info(f"wrote {', '.join(report['plots'])}")
    notes = []
    if broken is not None:
        gate = (f"fails --min-accuracy {min_accuracy * 100:.2f}% whatever the accuracy"
                if min_accuracy is not None else "its accuracy means nothing")
        notes.append(f"{checkpoint.path}: {broken}: {gate}")
    elif not passed:
        notes.append(f"accuracy {result['accuracy'] * 100:.2f}% is below --min-accuracy "
                     f"{min_accuracy * 100:.2f}%")
    return Report(report, lambda console: _eval_tables(report, console),
                  OK if passed else CHECK_FAILED, notes)


def eval_dataset(cfg, checkpoint, split, source=None, allow_overlap=False, fits=None):
    """(dataset, overlap): how many samples the model trained on, found by content (the
    checkpoint's fingerprint of its training examples; an older one without it: by the split's
    name), refused above OVERLAP_LIMIT unless `allow_overlap`; `fits(dataset)` is checked first.
    `overlap` is {"overlaps": bool, "count": {"samples", "fraction"} or None}."""
    d = cfg.values["data"]
    known = training_rows(checkpoint)
    ours = source is None or absolute_source(source) == absolute_source(d["source"])
    held_out = d["val_fraction"] > 0
    named = ours and not (split in VALIDATION_SPLITS and held_out) and (
        split == d["split"] or (split in VALIDATION_SPLITS and
                                d["split"] in VALIDATION_SPLITS))
    val = " the held-out examples with --split val," if held_out and source is None else ""
    advice = (f"so its score there would not measure generalisation; evaluate{val} another "
              "split with --split NAME or other data with --data SOURCE, or pass "
              "--allow-train-overlap to score it anyway")
    if known is None and named and not allow_overlap:  # refused before the data is loaded
        raise CliError(f"{checkpoint.path}: the model was trained on split '{split}' of "
                       f"{d['source']} (data.split), {advice}")
    dataset, _ = load_scored_split(cfg, split, source=source)
    if fits is not None:
        fits(dataset)
    if known is None:
        return dataset, {"overlaps": named, "count": None}
    seen = count_seen(dataset.x, known)
    count = {"samples": seen, "fraction": seen / len(dataset)}
    if seen > OVERLAP_LIMIT * len(dataset) and not allow_overlap:
        raise CliError(f"{checkpoint.path}: {seen:,} of the {len(dataset):,} samples of "
                       f"{source or d['source']} ({split}) are examples the model was trained "
                       f"on ({count['fraction'] * 100:.1f}%, more than "
                       f"{OVERLAP_LIMIT * 100:g}%), {advice}")
    return dataset, {"overlaps": seen > 0, "count": count}


def confusion_matrix(labels, predictions, num_classes):
    """counts[true, predicted] as a (num_classes, num_classes) int array (one bincount)."""
    flat = labels.astype(np.int64) * num_classes + predictions.astype(np.int64)
    return np.bincount(flat, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def per_class(confusion, class_names=None):
    """Precision, recall, F1 and support of each class (0.0 where a ratio is undefined)."""
    true_positive = np.diag(confusion).astype(np.float64)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    rows = []
    for c in range(len(confusion)):
        precision = true_positive[c] / predicted[c] if predicted[c] else 0.0
        recall = true_positive[c] / actual[c] if actual[c] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        name = class_names[c] if class_names and c < len(class_names) else str(c)
        rows.append({"class": c, "name": str(name), "precision": float(precision),
                     "recall": float(recall), "f1": float(f1), "support": int(actual[c])})
    return rows


def _not_finite(model, loss):
    """Why a model's score cannot be trusted (NaN or infinite weights, or loss), or None:
    argmax over NaN outputs still picks a class, so accuracy alone would pass a dead model."""
    broken = weights_not_finite(model)
    if broken:
        return f"{broken[:-1]}; loss {loss:.4g})"
    if not math.isfinite(loss):
        return f"the loss is {loss} (the model's outputs overflow)"
    return None


def _eval_tables(report, console):
    display.say(console, f"{report['checkpoint']} on {report['source']} ({report['split']}, "
                         f"{report['samples']:,} samples): loss {report['loss']:.4f}, "
                         f"accuracy {report['accuracy'] * 100:.2f}%")
    display.say(console, _overlap_text(report))
    if report["per_class"] is None:
        display.say(console, f"per-class metrics and the confusion matrix are left out: the "
                             f"model predicts more than {MAX_TABLE_CLASSES:,} classes")
        return
    named = any(r["name"] != str(r["class"]) for r in report["per_class"])
    columns = [">class"] + ["name"] * named + [">precision", ">recall", ">f1", ">support"]
    rows = [[r["class"]] + [r["name"]] * named
            + [f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}",
               f"{r['support']:,}"] for r in report["per_class"]]
    display.table("per class", columns, rows, console)
    matrix = report["confusion_matrix"]
    display.table("confusion matrix (rows: true class, columns: predicted)",
                  [">true"] + [f">{c}" for c in range(len(matrix))],
                  [[i] + row for i, row in enumerate(matrix)], console)


def _overlap_text(report):
    """How many scored samples are training examples, in words."""
    count = report["training_overlap"]
    if count is None:
        return ("training examples among them: unknown (the checkpoint holds no fingerprint of "
                "its training data)" + ("; the split is the one it trained on"
                                        if report["overlaps_training"] else ""))
    return (f"training examples among them: {count['samples']:,} of {report['samples']:,} "
            f"({count['fraction'] * 100:.1f}%)")
