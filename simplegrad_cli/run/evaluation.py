"""A model's outputs on whole datasets, in batches without a graph: loss and accuracy (the
validation of training, `eval`) and class probabilities (`predict`, eval's pictures)."""
import numpy as np
from simplegrad import Tensor, no_grad

EVAL_BATCH = 500  # samples per forward pass when evaluating (no gradients, so memory is small)
EVAL_VALUES = 5_000_000  # at most this many outputs per pass (20 MB): fewer samples of 1M classes
PREDICT_BATCH = 256  # samples per forward pass of `predict` (and images decoded at a time)


def eval_batch(num_classes, most=EVAL_BATCH):
    """Samples per forward pass without gradients: `most`, fewer when outputs are wide."""
    return max(1, min(most, EVAL_VALUES // max(1, num_classes)))


def evaluate(model, dataset, loss_fn, num_classes):
    """Loss, accuracy and predictions of `model` on a whole ArrayDataset (eval mode)."""
    model.eval()
    total, predictions, batch = 0.0, [], eval_batch(num_classes)
    with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, len(dataset), batch):
            x = Tensor(dataset.x[start:start + batch])
            y = Tensor(dataset.y[start:start + batch])
            out = model(x)
            total += float(loss_fn(out, y).data) * len(y.data)
            predictions.append(np.argmax(out.data, axis=-1))
    predictions = np.concatenate(predictions)
    return {"loss": total / len(dataset),
            "accuracy": float(np.mean(predictions == dataset.y)),
            "predictions": predictions}


def class_probabilities(model, x, batch=PREDICT_BATCH):
    """softmax(model(x)) over the classes, in eval mode and without a graph, batch by batch."""
    model.eval()
    with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.concatenate([model(Tensor(x[start:start + batch])).softmax(axis=-1).data
                               for start in range(0, len(x), batch)])
