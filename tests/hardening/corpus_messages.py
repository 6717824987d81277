"""Round 2: YAML tags with bad scalars, integers past Python's 4,300-digit limit,
merge keys, invisible characters, and other inputs whose message misled or was an internal
error. Each row exits 2 with one line."""
import os

import json

import numpy as np

from corpus_case import Case
from corpus_case import config_case as c
from corpus_case import edit
from hardening_helpers import TINY

B = "bad.yaml"
C = "tiny.yaml"
HUGE = "9" * 5000  # past Python's 4,300-digit int(str) limit


def seed(text):
    """TINY with `seed: 0` written as `seed: TEXT`."""
    return edit(("seed: 0", f"seed: {text}"))


def s(case_id, override, words):
    """`simplegrad validate tiny.yaml --load-data --set OVERRIDE`."""
    return Case(f"--set {case_id}", ["validate", C, "--load-data", "--set", override],
                ("--set", *words),
                {C: TINY})


TAGS = [
    c("!!int not a number", seed("!!int abc"), [B + ":1", "seed", "!!int 'abc'", "an integer"]),
    c("!!float not a number", seed("!!float x"), [B + ":1", "seed", "!!float 'x'", "a number"]),
    c("!!bool not a boolean", seed("!!bool maybe"), [B + ":1", "seed", "true or false"]),
    c("!!timestamp bad date", seed("!!timestamp 2020-13-01"),
      [B + ":1", "seed", "unsupported tag '!!timestamp'"]),
    c("!!timestamp good date", seed("!!timestamp 2020-12-01"), [B + ":1", "!!timestamp"]),
    c("!!binary", seed('!!binary "@@@"'), [B + ":1", "seed", "unsupported tag '!!binary'"]),
    c("!!set", seed("!!set {a}"), [B + ":1", "seed", "unsupported tag '!!set'"]),
    c("!!int key", edit(("seed: 0", "!!int abc: 0")), [B + ":1", "!!int 'abc'"]),
    c("!!float in a layer", edit(("{out: 16}", "{out: !!float sixteen}")),
      [B + ":8", "model.0.linear.out", "!!float"]),
]

INTEGERS = [
    c("integer over 4300 digits", seed(HUGE), [B + ":1", "seed", "5,000 digits"]),
    c("negative integer over 4300 digits", seed("-" + HUGE), [B + ":1", "seed", "digits"]),
    c("hex integer over 4300 digits", seed("!!int 0x" + "f" * 5000), [B + ":1", "seed", "digits"]),
    c("huge integer in a list", edit(("{out: 16}", f"{{out: [{HUGE}]}}")),
      [B + ":8", "model.0.linear.out", "digits"]),
    s("value over 4300 digits", f"seed={HUGE}", ["seed=999", "5,000 digits"]),
    s("list index over 4300 digits", f"model.{HUGE}.linear.out=3", ["list index", "too large"]),
    s("negative list index over 4300 digits", f"model.-{HUGE}=relu", ["list index", "too large"]),
    s("list index of ten digits", "model.1234567890=relu", ["list index", "9 digits"]),
]

MERGE = [
    c("merge key", edit(("optimizer: {name: adam, lr: 0.01}",
                         "optimizer: &o {name: adam, lr: 0.01}\nscheduler: {<<: *o}")),
      [B + ":12", "scheduler", "merge keys", "<<"]),
    c("merge key of a list", edit(("train:\n  epochs: 2", "train:\n  <<: [{epochs: 2}]")),
      [B + ":13", "train", "merge keys"]),
    c("explicit merge tag", edit(("train:\n  epochs: 2", "train:\n  !!merge <<: {epochs: 2}")),
      [B + ":13", "merge keys"]),
]

INVISIBLE = [
    c("zero-width space in a key", seed("0").replace("seed", "se\u200bed"),
      [B + ":1", "se\\u200bed", "did you mean 'seed'"]),
    c("right-to-left mark in a value", edit(("adam", "ad\u202eam")), [B + ":11", "ad\\u202eam"]),
    c("zero-width joiner in a layer", edit(("- relu", "- re\u200dlu")),
      [B + ":9", "re\\u200dlu"]),
    s("escape sequence in a --set key path", "se\x1b[2Jed=1", ["\\x1b[2J"]),
    s("escape sequence in a --set value", "data.source=\x1b]0;pwned\x07",
      ["\\x1b]0;pwned\\x07"]),
    Case("escape sequence in a config path", ["validate", "x\x1b[2J.yaml"],
         ("x\\x1b[2J.yaml", "no such file")),
]

def _run_with_folder(name):
    """A copy of the base run in which `name` is a folder instead of a file."""
    def write(path, base):
        path.mkdir()
        for item in ("config.yaml", "metrics.jsonl", "last.npz", "best.npz"):
            target = path / item
            if item == name:
                target.mkdir()
                (target / "inside").write_text("x")
            else:
                target.write_bytes((base / item).read_bytes())
    return write


def _fifo(path, base):
    os.mkfifo(path)


def k(case_id, args, words, files):
    """`simplegrad ARGS` next to tiny.yaml and `files`."""
    return Case(case_id, args, tuple(words), {C: TINY, **files})


RUN_FOLDERS = [
    k("last.npz is a folder, --overwrite", ["train", C, "--out", "r", "--overwrite"],
      ["r/last.npz", "is a folder", "choose another --out"], {"r": _run_with_folder("last.npz")}),
    k("metrics.jsonl is a folder, --overwrite", ["train", C, "--out", "r", "--overwrite"],
      ["r/metrics.jsonl", "is a folder"], {"r": _run_with_folder("metrics.jsonl")}),
    k("metrics.jsonl is a folder, --resume", ["train", "--resume", "r/last.npz"],
      ["r/metrics.jsonl", "is a folder"], {"r": _run_with_folder("metrics.jsonl")}),
    k("config.yaml is a folder, --resume", ["train", "--resume", "r/last.npz"],
      ["r/config.yaml", "is a folder"], {"r": _run_with_folder("config.yaml")}),
    k("last.npz is a folder, info", ["info", "r/last.npz"],
      ["r/last.npz", "is a directory"], {"r": _run_with_folder("last.npz")}),
    k("checkpoint is a FIFO, info", ["info", "pipe.npz"], ["pipe.npz", "named pipe"],
      {"pipe.npz": _fifo}),
    k("checkpoint is a FIFO, eval", ["eval", "pipe.npz"], ["pipe.npz", "named pipe"],
      {"pipe.npz": _fifo}),
    k("checkpoint is a FIFO, resume", ["train", "--resume", "pipe.npz"],
      ["pipe.npz", "named pipe"], {"pipe.npz": _fifo}),
]

def _labels(y):
    """A data .npz of 20 two-feature samples with labels `y`."""
    return lambda path, base: np.savez(path, x=np.zeros((20, 2), np.float32), y=y)


def _jsonl(labels):
    rows = [{"a": float(i), "label": label} for i, label in enumerate(labels)]
    return "".join(json.dumps(row) + "\n" for row in rows)


def d(case_id, name, content, words):
    """A tiny config reading its data from `name`."""
    text = edit(("synthetic:spirals", name), ("options: {n_samples: 200, noise: 0.1, "
                                              "num_classes: 3}", "options: {}"))
    return c(case_id, text, [B + ":3", "data.source", *words], files={name: content})


_MIN = np.zeros(20, np.int64)
_MIN[3] = np.iinfo(np.int64).min
_MAX = np.zeros(20, np.uint64)
_MAX[4] = np.iinfo(np.uint64).max
LABELS = [
    d("label of -2^63", "min.npz", _labels(_MIN),
      ["label -9223372036854775808 is out of range", "counted from 0", "sample 3"]),
    d("uint64 label of 2^64-1", "max.npz", _labels(_MAX),
      ["label 18446744073709551615 is out of range", "too large"]),
    d("mixed int and str labels", "mixed.jsonl", _jsonl(["cat", 1, 0, "dog"] * 5),
      ["labels mix strings and int", "'cat'", "one kind"]),
    d("mixed float and str labels", "mixedf.jsonl", _jsonl([0.5, "cat"] * 10),
      ["labels mix strings and float"]),
]

NORMALISE = [
    s("normalise overflow", "data.normalize=[1e30, 1e-30]",
      ["data.normalize", "inf or NaN", "[1e+30, 1e-30]"]),
    s("normalise by a subnormal std", "data.normalize=[0, 1e-45]", ["data.normalize", "inf"]),
    c("normalise overflow in the file", TINY.replace("  batch_size: 16", "  batch_size: 16\n"
                                                     "  normalize: [0, 1.0e-40]"),
      [B + ":7", "data.normalize", "inf or NaN"]),
]

def _hub_folder(path, base):
    """A folder `datasets` reads as a hub dataset (one CSV: the train split)."""
    path.mkdir()
    (path / "train.csv").write_text("a,b,label\n" + "".join(f"{i},1,{i % 2}\n"
                                                            for i in range(20)))


HUB = "data.source=hf:./hub"
OPTIONS = [
    Case(f"--set data.options.{key}=[1,2]", ["validate", C, "--set", HUB, "--set",
                                             "data.options={}", "--set",
                                             f"data.options.{key}=[1,2]"],
         ("--set", f"data.options.{key}", "expected", "got a list"), {C: TINY, "hub": _hub_folder})
    for key in ("config_name", "revision", "label_column", "image_column", "cache_dir",
                "hf_cache_dir", "use_cache")
] + [
    Case("feature_columns of numbers", ["validate", C, "--set", HUB, "--set", "data.options={}",
                                        "--set", "data.options.feature_columns=[1,2]"],
         ("data.options.feature_columns", "column name", "[1, 2]"), {C: TINY, "hub": _hub_folder}),
    Case("hub error without a progress bar", ["validate", C, "--load-data", "--set", HUB, "--set",
                                              "data.options={}", "--set", "data.split=nope"],
         ("--set", "data.source", "Unknown split", "nope"), {C: TINY, "hub": _hub_folder}),
]

MESSAGE_CASES = LABELS + NORMALISE + OPTIONS + TAGS + INTEGERS + MERGE + INVISIBLE + RUN_FOLDERS
