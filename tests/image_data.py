"""A tiny labelled image set (8x8 bars, uint8, named classes) and configs that train on it."""
import numpy as np

CLASS_NAMES = ["diagonal", "horizontal", "vertical"]  # sorted: label strings encode in this order

IMAGE_CONFIG = """\
seed: 0
data:
  source: images.npz
  test_split: test
  val_fraction: 0.2
  batch_size: 16
  flatten: {flatten}
  normalize: [0.2, 0.4]
model: {model}
optimizer: {{name: adam, lr: 0.02}}
train:
  epochs: 3
"""
CNN = "[{conv2d: {out: 4, kernel_size: 3, padding: 1}}, relu, {max_pool2d: {kernel_size: 2}}, " \
      "flatten, {linear: {out: 3}}]"
MLP = "[{linear: {out: 16}}, relu, {linear: {out: 3}}]"


def bar_images(n, seed):
    """(uint8 images (n, 8, 8), string labels): a bright bar on noise, its direction the class."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 90, size=(n, 8, 8)).astype(np.uint8)
    labels = np.array(CLASS_NAMES * (n // 3 + 1))[:n]
    for image, label in zip(images, labels):
        where = rng.integers(1, 7)
        if label == "horizontal":
            image[where, :] = 250
        elif label == "vertical":
            image[:, where] = 250
        else:
            np.fill_diagonal(image, 250)
    return images, labels


def write_image_npz(path, n_train=150, n_test=30):
    """An .npz with x_train/y_train/x_test/y_test bar images."""
    x_train, y_train = bar_images(n_train, 0)
    x_test, y_test = bar_images(n_test, 1)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return x_test, y_test


def image_config(flatten=False):
    """Config text for a small CNN (or, with flatten, an MLP) on images.npz."""
    return IMAGE_CONFIG.format(flatten=str(flatten).lower(), model=MLP if flatten else CNN)
