"""Classification metrics for `simplegrad eval`: confusion matrix, per-class precision/recall."""
import numpy as np

from simplegrad_cli.errors import CliError


def confusion_matrix(labels, predictions, num_classes):
    """counts[true, predicted] as a (num_classes, num_classes) int array (one bincount)."""
    flat = labels.astype(np.int64) * num_classes + predictions.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes,
                                                                          num_classes)


def check_confusion_fits(path, num_classes):
    """Refuse (exit 2, one line) before evaluating when the num_classes x num_classes
    confusion matrix and its per-class report would not fit in memory."""
    from simplegrad.memory import MemoryLimitError, check_fits

    try:
        check_fits(8 * num_classes * num_classes, f"the {num_classes:,} x {num_classes:,} "
                                                  f"confusion matrix")
    except MemoryLimitError as error:
        raise CliError(f"{path}: this model predicts {num_classes:,} classes; {error}") \
            from None


def per_class(confusion, class_names=None):
    """Precision, recall, F1 and support of each class (0.0 where a ratio is undefined)."""
    true_positive = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    rows = []
    for c in range(len(confusion)):
        precision = true_positive[c] / predicted[c] if predicted[c] else 0.0
        recall = true_positive[c] / actual[c] if actual[c] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        name = class_names[c] if class_names and c < len(class_names) else str(c)
        rows.append({"class": c, "name": str(name), "precision": float(precision),
                     "recall": float(recall), "f1": float(f1), "support": int(actual[c])})
    return rows
