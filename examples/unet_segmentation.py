"""A small U-Net that segments synthetic images: every pixel is background, disc or square.

Discs and squares are equally bright on a noisy background, so telling them apart takes their
shape (corners or not), which the U-Net sees through its contracting path; its expanding path
(transposed convolutions, with skip connections concatenated on the channel axis) brings the
answer back to full resolution. 18 x 18 images make the sizes odd on the way down (18, 9, 4):
on the way up, `output_padding` grows 4 to 9 so the skip connection fits. The loss is
PyTorch-style `F.cross_entropy` on (N, classes, H, W) logits against (N, H, W) labels.

    python examples/unet_segmentation.py   # 48 s on two busy cores (600 steps): 99.1% of
                                           # held-out pixels right; IoU: discs 0.90,
                                           # squares 0.93, mean over the 3 classes 0.94
"""
import argparse
import time

import numpy as np

import simplegrad as sg
from simplegrad import Tensor, nn, optim
from simplegrad.nn import functional as F

CLASSES = ("background", "disc", "square")


def make_shapes(rng, count, size=18):
    """`count` noisy (1, size, size) images with one to three discs and squares, and their
    (size, size) masks of class indices (later shapes cover earlier ones)."""
    images = rng.normal(0.0, 0.2, (count, 1, size, size)).astype(np.float32)
    masks = np.zeros((count, size, size), dtype=np.int64)
    rows, cols = np.mgrid[:size, :size]
    for image, mask in zip(images, masks):
        for _ in range(rng.integers(1, 4)):
            kind, radius = rng.integers(1, 3), rng.integers(2, 5)
            cy, cx = rng.integers(radius, size - radius, 2)
            if kind == 1:
                inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius ** 2
            else:
                inside = (abs(rows - cy) <= radius) & (abs(cols - cx) <= radius)
            mask[inside] = kind
            image[0][inside] = 1.0 + rng.normal(0.0, 0.2, inside.sum())
    return images, masks


def block(cin, cout):
    """Two 3x3 convolutions, with group norm, each followed by a ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(2, cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """Two poolings down, two transposed convolutions up, skips concatenated."""

    def __init__(self, width=8, classes=len(CLASSES)):
        super().__init__()
        self.down1, self.down2 = block(1, width), block(width, 2 * width)
        self.bottom = block(2 * width, 4 * width)
        self.up2, self.dec2 = nn.ConvTranspose2d(4 * width, 2 * width, 2, stride=2), \
            block(4 * width, 2 * width)
        self.up1, self.dec1 = nn.ConvTranspose2d(2 * width, width, 2, stride=2), \
            block(2 * width, width)
        self.head = nn.Conv2d(width, classes, 1)

    @staticmethod
    def up(layer, x, skip):
        """layer(x) grown to the skip connection's size (output_padding absorbs odd sizes),
        concatenated with it on the channel axis."""
        extra = (skip.shape[2] - 2 * x.shape[2], skip.shape[3] - 2 * x.shape[3])
        grown = F.conv_transpose2d(x, layer.weight, layer.bias, stride=2, output_padding=extra)
        return sg.cat([grown, skip], axis=1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(F.max_pool2d(d1, 2))
        bottom = self.bottom(F.max_pool2d(d2, 2))
        u2 = self.dec2(self.up(self.up2, bottom, d2))
        return self.head(self.dec1(self.up(self.up1, u2, d1)))


def class_iou(predicted, masks):
    """Intersection over union of each class's pixels."""
    return [float(((predicted == k) & (masks == k)).sum() /
                  max(((predicted == k) | (masks == k)).sum(), 1)) for k in range(len(CLASSES))]


def main(steps=600, batch=16, width=8, train_images=1024, lr=6e-3, seed=0, log_every=100):
    """Train on `train_images` synthetic images; returns (pixel accuracy, IoU of each class)
    on 256 held-out images."""
    sg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    images, masks = make_shapes(rng, train_images)
    test_images, test_masks = make_shapes(np.random.default_rng(seed + 1), 256)
    model = UNet(width)
    opt = optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        pick = rng.integers(0, train_images, batch)
        opt.zero_grad()
        loss = F.cross_entropy(model(Tensor(images[pick])), masks[pick])
        loss.backward()
        opt.step()
        if log_every and step % log_every == 0:
            print(f"step {step:4d}  loss {float(loss):.4f}  ({time.perf_counter() - start:.1f}s)")
    model.eval()
    with sg.no_grad():
        predicted = model(Tensor(test_images)).argmax(axis=1).data
    accuracy, iou = float((predicted == test_masks).mean()), class_iou(predicted, test_masks)
    print(f"held-out pixel accuracy {accuracy:.3f}, IoU " +
          ", ".join(f"{name} {v:.3f}" for name, v in zip(CLASSES, iou)) +
          f", mean {np.mean(iou):.3f} ({time.perf_counter() - start:.1f}s)")
    return accuracy, iou


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.steps, args.batch, args.width, seed=args.seed)
