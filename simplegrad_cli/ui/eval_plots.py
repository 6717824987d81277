"""Pictures for `simplegrad eval --plots DIR`: the confusion matrix as a heatmap and, for image
data, a grid of the examples the model got wrong most confidently (matplotlib)."""
import os

import numpy as np

from simplegrad_cli.errors import CliError
from simplegrad_cli.inputs.pictures import image_layout
from simplegrad_cli.run.evaluation import class_probabilities
from simplegrad_cli.ui.charts import pyplot, save_figure

CONFUSION_FILE = "confusion_matrix.png"
WRONG_FILE = "most_confident_mistakes.png"
PLOT_FILES = (CONFUSION_FILE, WRONG_FILE)
GRID_COLUMNS = 4
GRID_SIZE = 16  # examples in the mistakes grid


def prepare_folder(folder):
    """Before evaluating: matplotlib must be there and `folder` must not be a file."""
    pyplot(f"--plots {folder}")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise CliError(f"{folder}: exists and is not a folder", where="--plots")


def _label(c, class_names):
    if class_names and c < len(class_names) and str(class_names[c]) != str(c):
        return f"{c} {class_names[c]}"
    return str(c)


def confusion_heatmap(confusion, path, class_names=None):
    """Write counts[true, predicted] as a heatmap, each cell annotated when there is room."""
    plt = pyplot(f"--plots {os.path.dirname(path)}")
    n = len(confusion)
    side = min(max(5.0, 0.45 * n + 2.0), 20.0)
    figure, ax = plt.subplots(figsize=(side + 1.0, side), dpi=100)
    image = ax.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=ax, label="samples")
    labels = [_label(c, class_names) for c in range(n)]
    ax.set_xticks(range(n), labels, rotation=90 if n > 10 else 0)
    ax.set_yticks(range(n), labels)
    ax.set(xlabel="predicted class", ylabel="true class")
    accuracy = np.trace(confusion) / max(confusion.sum(), 1)
    ax.set_title(f"confusion matrix\n{confusion.sum():,} samples, accuracy "
                 f"{accuracy * 100:.2f}%")
    if n <= 20:
        threshold = confusion.max() / 2
        for (true, predicted), count in np.ndenumerate(confusion):
            ax.text(predicted, true, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > threshold else "black")
    return save_figure(figure, path)


def most_confident_mistakes(labels, probabilities, count=GRID_SIZE):
    """Indices of the wrongly predicted samples, most confident first (at most `count`)."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:count]]


def mistakes_grid(images, labels, probabilities, indices, path, class_names=None):
    """Write a grid of the images (N, C, H, W) at `indices`, titled with true and predicted
    labels; each is scaled to its own range (normalisation undone for the eye, not exactly)."""
    plt = pyplot(f"--plots {os.path.dirname(path)}")
    rows = max(1, -(-len(indices) // GRID_COLUMNS))
    figure, axes = plt.subplots(rows, GRID_COLUMNS, squeeze=False, dpi=100,
                                figsize=(2.2 * GRID_COLUMNS, 2.7 * rows))
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, indices):
        picture = images[index]
        picture = picture[0] if picture.shape[0] == 1 else picture.transpose(1, 2, 0)
        low, high = float(picture.min()), float(picture.max())
        picture = (picture - low) / (high - low) if high > low else picture * 0
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0, vmax=1)
        predicted = int(probabilities[index].argmax())
        ax.set_title(f"true {_label(int(labels[index]), class_names)}\npredicted "
                     f"{_label(predicted, class_names)} "
                     f"({probabilities[index, predicted] * 100:.0f}%)", fontsize=9)
    if not len(indices):
        axes[0, 0].set_title("no mistakes")
    return save_figure(figure, path)


def write_eval_plots(folder, model, dataset, confusion, class_names, input_shape):
    """Write the heatmap (and, for image models, the mistakes grid) into `folder`; the paths."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise CliError(f"{folder}: cannot create the folder: {error.strerror or error}",
                       where="--plots") from None
    written = [confusion_heatmap(confusion, os.path.join(folder, CONFUSION_FILE), class_names)]
    layout = image_layout(input_shape)
    if layout is not None:
        probabilities = class_probabilities(model, dataset.x)
        indices = most_confident_mistakes(dataset.y, probabilities)
        written.append(mistakes_grid(dataset.x.reshape(len(dataset.x), *layout), dataset.y,
                                     probabilities, indices,
                                     os.path.join(folder, WRONG_FILE), class_names))
    return written
