"""Train a small CNN on MNIST with simplegrad alone: conv 8 -> pool -> conv 16 -> pool -> linear.

    python examples/mnist_cnn.py                                          # hub: ylecun/mnist *
    python examples/mnist_cnn.py --source ../shared/data/mnist --split test   # offline, IDX

* or, when the hub cannot be reached, the real digits bundled in simplegrad (builtin:digits),
  with a one-line note. Images stay (1, 28, 28) (`flatten=False`); `--source` is anything
  `simplegrad.data.load` reads.
"""
import argparse
import time

import numpy as np

import simplegrad
from simplegrad import nn, no_grad, optim
from simplegrad.data import DataLoader, load_mnist


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="dataset source (hub id or path; default: "
                        "ylecun/mnist, or the bundled digits when the hub is unreachable)")
    parser.add_argument("--split", default="train", help="split to train on")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="use only the first N examples of --split (a quick run)")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="held out from --split")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def make_model(image_shape, num_classes):
    """Two 3x3 conv + 2x2 max-pool stages, then a linear classifier."""
    channels, height, width = image_shape
    return nn.Sequential([
        nn.Conv2d(channels, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * (height // 4) * (width // 4), num_classes),
    ])


def accuracy(model, dataset):
    """Fraction of correctly classified samples (eval mode, no graph)."""
    model.eval()
    correct = 0
    with no_grad():
        for images, labels in DataLoader(dataset, batch_size=500):
            correct += int((model(images).data.argmax(axis=1) == labels.data).sum())
    model.train()
    return correct / len(dataset)


def main(argv=None):
    args = parse_args(argv)
    simplegrad.manual_seed(args.seed)
    dataset = load_mnist(args.split, args.source, flatten=False)
    if args.limit:
        dataset = dataset.subset(np.arange(min(args.limit, len(dataset))))
    train_set, val_set = dataset.split(args.val_fraction, seed=args.seed)
    print(f"data: {len(train_set)} train / {len(val_set)} val images {train_set.input_shape}")

    model = make_model(train_set.input_shape, train_set.num_classes)
    opt = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    for epoch in range(1, args.epochs + 1):
        start, losses = time.perf_counter(), []
        for images, labels in loader:
            opt.zero_grad()
            loss = model(images).cross_entropy_loss(labels)
            loss.backward()
            opt.step()
            losses.append(float(loss))
        val_accuracy = accuracy(model, val_set)
        print(f"epoch {epoch}: train loss {np.mean(losses):.4f}  val accuracy "
              f"{val_accuracy:.4f}  ({time.perf_counter() - start:.1f}s)")
    return val_accuracy


if __name__ == "__main__":
    main()
