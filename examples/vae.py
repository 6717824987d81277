"""A variational autoencoder on the digits bundled with simplegrad, as PyTorch's VAE example.

The encoder maps a 28 x 28 digit to the mean and log-variance of a Gaussian over a small latent
space; a sample from it (mean + std * standard normal noise: the reparameterisation, so the
gradient reaches the encoder) is decoded back to pixel probabilities. The loss is the negative
evidence lower bound: the binary cross-entropy of the reconstruction (F.binary_cross_entropy
on probabilities, summed) plus the KL divergence from the standard normal prior.

    python examples/vae.py    # 12 s on two busy cores (10 epochs): 123 nats per held-out
                              # digit, against 205 for always drawing the mean training digit
"""
import argparse
import time

import numpy as np

import simplegrad as sg
from simplegrad import Tensor, nn, optim
from simplegrad.data.sources.bundled import load_builtin
from simplegrad.nn import functional as F


class VAE(nn.Module):
    """784 -> hidden -> (mean, log-variance) of `latent` Gaussians -> hidden -> 784."""

    def __init__(self, hidden=400, latent=20, pixels=784):
        super().__init__()
        self.encoder = nn.Linear(pixels, hidden)
        self.mean, self.log_var = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels), nn.Sigmoid())

    def forward(self, x):
        h = self.encoder(x).relu()
        mean, log_var = self.mean(h), self.log_var(h)
        noise = sg.rng.generator().standard_normal(mean.shape).astype(np.float32)
        z = mean + (log_var * 0.5).exp() * Tensor(noise)  # the reparameterisation
        return self.decoder(z), mean, log_var


def loss_function(reconstruction, x, mean, log_var):
    """Negative ELBO summed over the batch: reconstruction BCE + KL(q(z | x) || N(0, I))."""
    bce = F.binary_cross_entropy(reconstruction, x, reduction="sum")
    kl = -0.5 * (1 + log_var - mean * mean - log_var.exp()).sum()
    return bce + kl


def mean_image_loss(train, test):
    """nats per test digit when every pixel is predicted as the mean training digit's."""
    return float(F.binary_cross_entropy(Tensor(np.broadcast_to(train.mean(axis=0), test.shape)),
                                        test, reduction="sum")) / len(test)


def main(epochs=10, batch=128, hidden=400, latent=20, train_images=None, seed=0, log=True):
    """Train on the bundled digits; returns (nats per held-out digit, the mean-digit
    baseline's)."""
    sg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train = load_builtin("digits").x[:train_images]
    test = load_builtin("digits", "test").x
    model = VAE(hidden, latent)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total = 0.0
        for rows in np.array_split(rng.permutation(len(train)), -(-len(train) // batch)):
            x = Tensor(train[rows])
            opt.zero_grad()
            reconstruction, mean, log_var = model(x)
            loss = loss_function(reconstruction, x, mean, log_var)
            loss.backward()
            opt.step()
            total += float(loss)
        if log:
            print(f"epoch {epoch:3d}  loss {total / len(train):.1f} nats per digit "
                  f"({time.perf_counter() - start:.1f}s)")
    with sg.no_grad():
        reconstruction, mean, log_var = model(Tensor(test))
        test_loss = float(loss_function(reconstruction, test, mean, log_var)) / len(test)
    baseline = mean_image_loss(train, test)
    if log:
        print(f"held-out: {test_loss:.1f} nats per digit (the mean training digit: "
              f"{baseline:.1f}) ({time.perf_counter() - start:.1f}s)")
    return test_loss, baseline


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--latent", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.batch, latent=args.latent, seed=args.seed)
