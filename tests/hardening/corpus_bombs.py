"""Memory bombs and hostile data files: sources too big to produce, models too big to train,
IDX and .npz headers that promise more than the file holds, undecodable images, dataset
scripts and mixed-type columns. Each is refused in one line before the big allocation.

The sizes are far beyond any machine (terabytes), so the rows hold on every test host.
"""
import gzip
import io
import zipfile

import numpy as np

from corpus_case import config_case as c

D = "data.yaml"


def _config(source, options="{}", model="[{linear: {out: 3}}]", extra=""):
    return (f"data:\n  source: {source}\n  val_fraction: 0.2\n  options: {options}\n{extra}"
            f"model: {model}\n")


def idx_bytes(dims, code=0x08, data=b""):
    """An IDX file: magic, type code, dimensions and `data`."""
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + data


def _idx_pair(images, labels):
    """Writers of an IDX images/labels pair in the folder `mnist/`."""
    return {"mnist/train-images-idx3-ubyte": images, "mnist/train-labels-idx1-ubyte": labels}


LABELS = idx_bytes((4,), data=bytes(4))


def _npz_promising(path, base):
    """An .npz whose features member promises 10**13 values but is 100 bytes long."""
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (10000000000000,), }"
    text = text.ljust(117) + "\n"
    header = b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")
    labels = io.BytesIO()
    np.save(labels, np.zeros(4, np.int64))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", header + bytes(100))
        archive.writestr("y.npy", labels.getvalue())


def _images(files):
    """An image folder `imgs/` with two good 4x4 PNGs per class plus `files` {name: bytes}."""
    def write(path, base):
        from PIL import Image

        for label in ("a", "b"):
            (path / label).mkdir(parents=True, exist_ok=True)
            for i in range(3):
                Image.fromarray(np.full((4, 4), 40 * i, np.uint8)).save(path / label / f"{i}.png")
        for name, data in files.items():
            (path / name).write_bytes(data)
    return write


def _png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _image_case(case_id, files, words):
    def write(path, base):
        path.mkdir()
        _images({k: v() if callable(v) else v for k, v in files.items()})(path, base)
    return c(case_id, _config("imgs", model="[{linear: {out: 2}}]"), [D, "imgs", *words],
             name=D, files={"imgs": write})


BOMB_CASES = [
    c("synthetic source of terabytes",
      _config("synthetic:blobs", "{n_samples: 10000000, n_features: 10000}"),
      [D, "synthetic:blobs", "10,000,000 samples x 10,000 features", "TB", "more than this "
       "machine can give"], name=D),
    c("conv whose padding needs terabytes per batch",
      "data:\n  source: builtin:digits\n  flatten: false\n  batch_size: 1000000\n"
      "model:\n  - conv2d: {out: 64, kernel_size: 3, padding: 1000}\n  - flatten\n"
      "  - linear: {out: 10}\n",
      [D + ":6", "model.0.conv2d", "activations", "data.batch_size 1000000", "TB"], name=D),
    c("batch norm with batches of one sample",
      ("data:\n  source: synthetic:spirals\n  batch_size: 1\nmodel:\n"
                    "  - linear: {out: 8}\n  - batch_norm1d\n  - linear: {out: 3}\n"),
      [D + ":6", "model.1.batch_norm1d", "at least 2 samples per batch",
       "data.batch_size is 1"], name=D),
    c("gzipped IDX promising more than gzip can hold",
      _config("mnist"), [D, "IDX header says shape (60000000, 280, 280)", "gzip"], name=D,
      files={"mnist/train-images-idx3-ubyte.gz": gzip.compress(idx_bytes((60000000, 280, 280))),
             "mnist/train-labels-idx1-ubyte.gz": gzip.compress(LABELS)}),
    c("IDX dimensions whose product overflows 64 bits",
      _config("mnist"), [D, "IDX header says shape (65536, 65536, 65536, 65536)"], name=D,
      files=_idx_pair(idx_bytes((65536,) * 4), LABELS)),
    c("npz member promising 10**13 values", _config("t.npz"),
      [D, "t.npz", "entry 'x.npy' declares shape (10000000000000,)", "holds 100"], name=D,
      files={"t.npz": _npz_promising}),
    c("json lines with mixed types", _config("t.jsonl"),
      [D, "t.jsonl", "column 'a'"], name=D,
      files={"t.jsonl": '{"a": [1, 2], "label": 0}\n{"a": "x", "label": 1}\n'
                        '{"a": [3, 4], "label": 0}\n{"a": [5, 6], "label": 1}\n'}),
    c("data folder with a dataset script", _config("folder"),
      [D, "folder", "Python file (.py)", "never runs dataset scripts"], name=D,
      files={"folder/t.csv": "a,label\n1,0\n2,1\n3,0\n4,1\n",
             "folder/folder.py": "open('pwned', 'w')\n"}),
    _image_case("image folder with an empty png", {"a/bad.png": b""},
                ["cannot be decoded", "bad.png"]),
    _image_case("image folder with a truncated png", {"a/cut.png": lambda: _png_bytes()[:40]},
                ["cannot be decoded"]),
    _image_case("image folder with a text file named png", {"b/note.png": b"hello, world\n"},
                ["cannot be decoded", "note.png"]),
]
