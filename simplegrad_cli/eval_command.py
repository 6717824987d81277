"""`simplegrad eval`: score a checkpoint on a split it was not trained on (`--split val` means
exactly the examples the run held out), with a confusion matrix and per-class metrics."""
import math
import os

import numpy as np
from simplegrad.memory import MemoryLimitError, check_fits

from simplegrad_cli import build, display
from simplegrad_cli.config import absolute_source
from simplegrad_cli.errors import CHECK_FAILED, OK, CliError
from simplegrad_cli.eval_plots import PLOT_FILES, prepare_folder, write_eval_plots
from simplegrad_cli.output_guard import data_inputs, refuse_inputs, run_inputs
from simplegrad_cli.stored_run import load_run, weights_not_finite
from simplegrad_cli.train import evaluate as run_eval

VALIDATION_SPLITS = ("val", "validation")


def evaluate(checkpoint_path, source, split, min_accuracy, as_json, allow_train_overlap=False,
             plots=None):
    """`simplegrad eval`: rebuild the model from the checkpoint and score it on a split that
    it was not trained on (unless `allow_train_overlap`); with `plots`, draw the confusion
    matrix and the worst mistakes into that folder."""
    for option, value, expected in [("--data", source, "a data source"),
                                     ("--split", split, "a split name such as test"),
                                     ("--plots", plots, "a folder")]:
        if value is not None and not value.strip():
            raise CliError(f"{option}: must not be empty; expected {expected}, or leave the "
                           "option out for the checkpoint's own")
    if plots is not None:
        prepare_folder(plots)
    checkpoint, cfg, model, _, (input_shape, num_classes, class_names) = \
        load_run(checkpoint_path)
    if plots is not None:
        inputs = run_inputs(checkpoint.path, cfg) + data_inputs(source)
        for name in PLOT_FILES:
            refuse_inputs(os.path.join(plots, name), inputs, "--plots")
    try:  # the num_classes x num_classes confusion matrix must fit in memory
        check_fits(8 * num_classes * num_classes, f"the {num_classes:,} x {num_classes:,} "
                                                  f"confusion matrix")
    except MemoryLimitError as error:
        raise CliError(f"{checkpoint.path}: this model predicts {num_classes:,} classes; "
                       f"{error}") from None
    split = split or cfg.values["data"]["test_split"]
    if split is None:
        raise CliError(f"{checkpoint.path}: its config has no data.test_split; pass --split "
                       "NAME (and --data SOURCE for other data)")
    dataset, overlaps = eval_dataset(cfg, checkpoint.path, split, source, allow_train_overlap)
    shown_source = source or cfg.values["data"]["source"]
    if tuple(dataset.input_shape) != input_shape:
        raise CliError(f"{shown_source} ({split}): samples have shape "
                       f"{tuple(dataset.input_shape)} but the model expects {input_shape}")
    if dataset.num_classes > num_classes or int(dataset.y.max()) >= num_classes:
        raise CliError(f"{shown_source} ({split}): has {dataset.num_classes} classes but the "
                       f"model predicts {num_classes}")
    loss_fn = build.make_loss(cfg.values["loss"], num_classes)
    result = run_eval(model, dataset, loss_fn, num_classes)
    confusion = confusion_matrix(dataset.y, result["predictions"], num_classes)
    class_names = class_names or getattr(dataset, "class_names", None)
    broken = _not_finite(model, result["loss"])
    passed = min_accuracy is None or (broken is None and result["accuracy"] >= min_accuracy)
    report = {"checkpoint": checkpoint.path, "source": shown_source, "split": split,
              "samples": len(dataset), "loss": result["loss"], "accuracy": result["accuracy"],
              "per_class": per_class(confusion, class_names),
              "confusion_matrix": confusion.tolist(), "min_accuracy": min_accuracy,
              "passed": passed, "not_finite": broken, "overlaps_training": overlaps}
    if plots is not None:
        report["plots"] = write_eval_plots(plots, model, dataset, confusion, class_names,
                                           input_shape)
        display.info(f"wrote {', '.join(report['plots'])}")
    if as_json:
        display.print_json(report)
    else:
        _eval_tables(report)
    if broken is not None:
        gate = (f"fails --min-accuracy {min_accuracy * 100:.2f}% whatever the accuracy"
                if min_accuracy is not None else "its accuracy means nothing")
        display.info(f"{checkpoint.path}: {broken}: {gate}")
    elif not passed:
        display.info(f"accuracy {result['accuracy'] * 100:.2f}% is below --min-accuracy "
                     f"{min_accuracy * 100:.2f}%")
    return OK if passed else CHECK_FAILED


def eval_dataset(cfg, checkpoint_path, split, source=None, allow_overlap=False):
    """(dataset, overlaps_training) for `simplegrad eval`; a split the model trained on is
    refused (exit code 2) unless `allow_overlap`."""
    d = cfg.values["data"]
    ours = source is None or absolute_source(source) == absolute_source(d["source"])
    held_out = d["val_fraction"] > 0
    if ours and split in VALIDATION_SPLITS and held_out:
        return build.load_datasets(cfg).val, False  # same split, val_fraction and val_seed
    overlaps = ours and (split == d["split"] or (split in VALIDATION_SPLITS
                                                 and d["split"] in VALIDATION_SPLITS))
    if overlaps and not allow_overlap:
        val = " the held-out examples with --split val," if held_out else ""
        raise CliError(f"{checkpoint_path}: the model was trained on split '{split}' of "
                       f"{d['source']} (data.split), so its score there would not measure "
                       f"generalisation; evaluate{val} another split with --split NAME or "
                       f"other data with --data SOURCE, or pass --allow-train-overlap to score "
                       f"it anyway")
    return build.load_split(cfg, split, source=source), overlaps


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


def _eval_tables(report):
    console = display.results_console()
    display.say(console, f"{report['checkpoint']} on {report['source']} ({report['split']}, "
                         f"{report['samples']:,} samples): loss {report['loss']:.4f}, "
                         f"accuracy {report['accuracy'] * 100:.2f}%")
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
