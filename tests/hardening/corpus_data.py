"""Bad data: missing columns, labels out of range, NaN/inf, ragged shapes, empty splits,
unreadable files and an unreachable hub dataset, each a row of the corpus."""
import os
import zipfile

import numpy as np

from corpus_case import config_case as c

D = "data.yaml"


def _config(source, options="{}", model="[{linear: {out: 3}}]", extra=""):
    return (f"data:\n  source: {source}\n  val_fraction: 0.2\n  options: {options}\n{extra}"
            f"model: {model}\n")


def _npz(**arrays):
    """A writer of an .npz file holding `arrays` (callables are called for fresh arrays)."""
    def write(path, base):
        np.savez(path, **arrays)
    return write


def _zip(**members):
    """A writer of a zip archive whose members hold raw bytes (not .npy arrays)."""
    def write(path, base):
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    return write


def _truncated_npz(path, base):
    np.savez(path, x=np.zeros((50, 2), np.float32), y=np.zeros(50, np.int64))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _fifo(path, base):
    """A named pipe (nobody ever writes to it: reading it would block forever)."""
    os.mkfifo(path)


def _png(path, base):
    from PIL import Image

    Image.new("L", (4, 4)).save(path)


def _fifo_case(case_id, source, files, words):
    """A source holding a FIFO: refused in one line. Only as a process, where a hang is a
    timeout (reading the pipe would block the test run itself)."""
    case = d(case_id, source, [source, *words], files)
    case.real = case.real_only = True
    return case


X = np.zeros((6, 2), np.float32)
Y = np.array([0, 1, 2, 0, 1, 2])


def d(case_id, source, words, files, hub=False):
    """A config that reads `source` (a file among `files`), checked with `validate`.

    hub=True: the source reaches the (offline) hub, which only a fresh process can promise.
    """
    case = c(case_id, _config(source), [D + ":2", "data.source", *words], name=D, files=files)
    case.real = case.real_only = hub
    return case


DATA_CASES = [
    d("csv without a label column", "t.csv", ["t.csv", "no label column", "label_column"],
      {"t.csv": "a,b\n1,2\n3,4\n"}),
    c("csv label column that is missing", _config("t.csv", "{label_column: kind}"),
      [D, "data.options", "t.csv", "no label column 'kind'", "columns found: a, label"],
      name=D, files={"t.csv": "a,label\n1,0\n3,1\n"}),
    c("csv feature column that is missing", _config("t.csv", "{feature_columns: [a, z]}"),
      [D, "data.options", "no feature column 'z'"], name=D,
      files={"t.csv": "a,label\n1,0\n3,1\n"}),
    d("csv without numeric features", "t.csv", ["t.csv", "no numeric feature columns"],
      {"t.csv": "name,label\nx,0\ny,1\n"}),
    d("npz without features", "t.npz", ["t.npz", "no feature array", "arrays found: a, y"],
      {"t.npz": _npz(a=X, y=Y)}),
    d("npz without labels", "t.npz", ["t.npz", "no label array"], {"t.npz": _npz(x=X)}),
    c("npz feature key that is missing", _config("t.npz", "{feature_columns: pixels}"),
      [D, "data.options", "no feature array 'pixels'"], name=D,
      files={"t.npz": _npz(x=X, y=Y)}),
    c("label above num_classes", _config("t.npz", "{num_classes: 2}"),
      [D, "label 2 is out of range for 2 classes", "0..1"], name=D,
      files={"t.npz": _npz(x=X, y=Y)}),
    d("negative label", "t.npz", ["t.npz", "label -1 is out of range"],
      {"t.npz": _npz(x=X, y=np.array([0, 1, -1, 0, 1, 2]))}),
    d("fractional label", "t.npz", ["t.npz", "whole class indices", "0.5"],
      {"t.npz": _npz(x=X, y=np.array([0, 1, 0.5, 0, 1, 2]))}),
    d("labels per pixel", "t.npz", ["t.npz", "one class index per sample", "(6, 2)"],
      {"t.npz": _npz(x=X, y=np.zeros((6, 2), np.int64))}),
    d("nan feature", "t.npz", ["t.npz", "NaN or inf", "sample 3"],
      {"t.npz": _npz(x=np.where(np.arange(12).reshape(6, 2) == 7, np.nan, X), y=Y)}),
    d("inf feature in csv", "t.csv", ["t.csv", "NaN or inf", "sample 1"],
      {"t.csv": "a,b,label\n1,2,0\n1,inf,1\n0,0,0\n2,2,1\n"}),
    d("text features", "t.npz", ["t.npz", "features must be numbers"],
      {"t.npz": _npz(x=np.array([["a", "b"]] * 6), y=Y)}),
    d("ragged json rows", "t.jsonl", ["t.jsonl", "column 'x'", "different shapes"],
      {"t.jsonl": '{"x": [1, 2], "label": 0}\n{"x": [1], "label": 1}\n'}),
    d("ragged npz (object array)", "t.npz", ["t.npz", "not a readable .npz", "allow_pickle"],
      {"t.npz": _npz(x=np.array([np.zeros(2), np.zeros(3)], dtype=object), y=Y[:2])}),
    d("features and labels of different lengths", "t.npz", ["t.npz", "6 feature rows but 5"],
      {"t.npz": _npz(x=X, y=Y[:5])}),
    c("images of five dimensions", _config("t.npz"),
      [D + ":5", "model.0.linear", "gets shape (1, 2, 2, 2)", "flatten"], name=D,
      files={"t.npz": _npz(x=np.zeros((6, 1, 2, 2, 2), np.uint8), y=Y)}),
    d("empty npz split", "t.npz", ["t.npz", "empty (0 samples)"],
      {"t.npz": _npz(x=np.zeros((0, 2), np.float32), y=np.zeros(0, np.int64))}),
    d("empty csv", "t.csv", ["t.csv", "no rows"], {"t.csv": "a,b,label\n"}),
    c("one sample cannot be split", _config("t.npz"),
      [D + ":3", "data.val_fraction", "1 sample", "validation"], name=D,
      files={"t.npz": _npz(x=X[:1], y=Y[:1])}),
    d("missing split", "t.npz", ["t.npz", "no split 'train'", "test"],
      {"t.npz": _npz(x_test=X, y_test=Y)}),
    c("unknown synthetic split", _config("synthetic:moons", extra="  split: holdout\n",
                                         model="[{linear: {out: 2}}]"),
      [D, "synthetic:moons", "'holdout'", "train, validation and test"], name=D),
    d("truncated npz", "t.npz", ["t.npz", "not a readable .npz"], {"t.npz": _truncated_npz}),
    d("npz member that is not an array", "t.npz", ["t.npz", "entry 'x' is not a NumPy array"],
      {"t.npz": _zip(x=b"abc", **{"y.npy": b"abc"})}),
    d("npy file named npz", "t.npz", ["t.npz", "single array"],
      {"t.npz": lambda path, base: np.save(open(path, "wb"), X)}),
    d("garbage csv", "t.csv", ["t.csv", "could not read"],
      {"t.csv": bytes(range(256)) * 10}),
    d("garbage parquet", "t.parquet", ["t.parquet", "parquet"],
      {"t.parquet": b"PAR1" + bytes(range(256)) * 10}),
    d("unknown file format", "t.txt", ["t.txt", "unknown file format '.txt'"],
      {"t.txt": "1 2 3\n"}),
    d("data path is a file's child", "./t.csv/more.csv", ["./t.csv/more.csv", "no such file"],
      {"t.csv": "a\n"}),
    d("hub-like path that does not exist", "t.csv/more.csv",
      ["t.csv/more.csv", "no local file or folder"], {"t.csv": "a\n"}, hub=True),
    d("npz num_classes that is text", "t.npz", ["t.npz", "num_classes must be a positive "
                                                 "integer", "'abc'"],
      {"t.npz": _npz(x=X, y=Y, num_classes=np.array("abc"))}),
    d("npz num_classes of 1e30", "t.npz", ["t.npz", "num_classes must be a positive integer",
                                           "1e+30"],
      {"t.npz": _npz(x=X, y=Y, num_classes=np.array(1e30))}),
    d("labels with nan in a csv", "t.csv", ["t.csv", "whole class indices", "nan"],
      {"t.csv": "a,b,label\n1,2,0\n1,2,1\n0,0,nan\n1,1,2\n"}),
    d("labels with nan in json lines", "t.jsonl", ["t.jsonl", "whole class indices", "nan"],
      {"t.jsonl": '{"a": 1, "label": 0}\n{"a": 2, "label": NaN}\n{"a": 2, "label": 1}\n'}),
    _fifo_case("data source that is a fifo", "t.csv", {"t.csv": _fifo},
               ["not a regular file", "pipe"]),
    _fifo_case("fifo in an image folder", "imgs", {"imgs/a/1.png": _png, "imgs/b/2.png": _png,
                                                   "imgs/b/3.png": _fifo},
               ["imgs/b/3.png is not a regular file", "pipe"]),
    _fifo_case("fifo among csv files", "tables", {"tables/a.csv": "a,label\n1,0\n",
                                                  "tables/b.csv": _fifo},
               ["tables/b.csv is not a regular file"]),
    _fifo_case("fifo in a save_to_disk folder", "saved",
               {"saved/state.json": "{}", "saved/data-00000-of-00001.arrow": _fifo},
               ["saved/data-00000-of-00001.arrow is not a regular file"]),
    _fifo_case("mnist idx file that is a fifo", "mnist",
               {"mnist/train-images-idx3-ubyte": _fifo,
                "mnist/train-labels-idx1-ubyte": b"\0\0\x08\x01\0\0\0\x00"},
               ["train-images-idx3-ubyte", "not a regular file", "MNIST IDX"]),
    d("unreachable hub dataset", "someone/no-such-dataset",
      ["someone/no-such-dataset", "offline mode is on", "--set data.source=PATH",
       "configs/spirals.yaml"], {}, hub=True),
]
