"""Train a two-layer MLP on MNIST with simplegrad alone (the original's train_mnist.py, redone
on the data layer).

    python examples/mnist_mlp.py                                   # hub: ylecun/mnist *
    python examples/mnist_mlp.py --source ../shared/data/mnist --split test   # offline, IDX

* or, when the hub cannot be reached, the real digits bundled in simplegrad (builtin:digits),
  with a one-line note. `--source` is anything `simplegrad.data.load` reads: a hub id, a
  folder of MNIST IDX files, a save_to_disk folder, an .npz ... A validation set is carved
  from the training split.
"""
import argparse
import time

import numpy as np

import simplegrad
from simplegrad import nn, no_grad, optim
from simplegrad.data import DataLoader, load_mnist
from simplegrad.nn import functional as F


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="dataset source (hub id or path; default: "
                        "ylecun/mnist, or the bundled digits when the hub is unreachable)")
    parser.add_argument("--split", default="train", help="split to train on")
    parser.add_argument("--test-split", default=None, help="optional split to report at the end")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="use only the first N examples of --split (a quick run)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="held out from --split")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def accuracy(model, loader):
    """Fraction of correctly classified samples, without building a graph."""
    correct = 0
    with no_grad():
        for images, labels in loader:
            correct += int((model(images).data.argmax(axis=1) == labels.data).sum())
    return correct / loader.num_samples


def main(argv=None):
    args = parse_args(argv)
    simplegrad.manual_seed(args.seed)

    start = time.perf_counter()
    dataset = load_mnist(args.split, args.source)
    if args.limit:
        dataset = dataset.subset(np.arange(min(args.limit, len(dataset))))
    train_set, val_set = dataset.split(args.val_fraction, seed=args.seed)
    print(f"data: {len(train_set)} train / {len(val_set)} val samples of {train_set.input_shape} "
          f"from {dataset.name} ({time.perf_counter() - start:.2f}s)")

    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=1024)

    model = nn.Sequential([
        nn.Linear(train_set.num_features, args.hidden),
        F.relu,
        nn.Linear(args.hidden, train_set.num_classes),
    ])
    opt = optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(1, args.epochs + 1):
        start, losses = time.perf_counter(), []
        for images, labels in train_loader:
            opt.zero_grad()
            loss = model(images).cross_entropy_loss(labels)
            loss.backward()
            opt.step()
            losses.append(float(loss.item))
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}: train loss {np.mean(losses):.4f}  "
              f"val accuracy {accuracy(model, val_loader):.4f}  "
              f"({seconds:.2f}s, {len(train_set) / seconds:.0f} samples/s)")

    if args.test_split:
        test_set = load_mnist(args.test_split, args.source)
        print(f"{args.test_split} accuracy {accuracy(model, DataLoader(test_set, batch_size=1024)):.4f}")
    print(f"final train loss: {np.mean(losses):.4f}")


if __name__ == "__main__":
    main()
