"""Bad command lines: unknown options, missing arguments and values, conflicting flags,
malformed `--set` overrides and unusable output folders, each a row of the corpus."""
import os

import numpy as np

from corpus_case import Case
from hardening_helpers import TINY

C = "tiny.yaml"


def _copy_run(path, base):
    """A copy of the base run's folder (config.yaml, metrics.jsonl, last.npz, best.npz)."""
    path.mkdir()
    for name in ("config.yaml", "metrics.jsonl", "last.npz", "best.npz"):
        (path / name).write_bytes((base / name).read_bytes())


def _checkpoint(path, base):
    path.write_bytes((base / "last.npz").read_bytes())


def _npz(x, y):
    return lambda path, base: np.savez(path, x=x.astype(np.float32), y=y)


def k(case_id, args, words, files=None, real=False):
    """A command line run next to a valid config tiny.yaml (and any other `files`)."""
    return Case(case_id, args, tuple(words), {C: TINY, **(files or {})}, real=real)


def s(case_id, override, words):
    """`simplegrad validate tiny.yaml --set OVERRIDE`."""
    return k(f"--set {case_id}", ["validate", C, "--set", override], ["--set", *words])


CLI_CASES = [
    k("no command", [], ["missing command", "simplegrad --help"]),
    k("unknown command", ["fit", C], ["No such command 'fit'", "simplegrad --help"]),
    k("unknown option", ["train", C, "--bogus"], ["simplegrad train", "No such option: --bogus"]),
    k("misspelt option", ["train", C, "--epoch", "3"], ["--epoch", "Possible options: --epochs"]),
    k("unknown global option", ["--verbose", "train", C], ["No such option: --verbose"]),
    k("option of another command", ["validate", C, "--min-accuracy", "0.5"],
      ["No such option: --min-accuracy"]),
    k("missing config", ["validate"], ["Missing argument 'CONFIG'"]),
    k("missing checkpoint for eval", ["eval"], ["Missing argument 'CHECKPOINT'"]),
    k("missing checkpoint for info", ["info"], ["Missing argument 'CHECKPOINT'"]),
    k("train without config or resume", ["train"], ["CONFIG", "--resume CHECKPOINT"]),
    k("extra argument", ["validate", C, C], ["unexpected extra argument", C]),
    k("option without its value", ["train", C, "--epochs"], ["'--epochs' requires an argument"]),
    k("--set without its value", ["validate", C, "--set"], ["'--set' requires an argument"]),
    k("epochs not a number", ["train", C, "--epochs", "abc"], ["--epochs", "integer"]),
    k("seed not a number", ["train", C, "--seed", "1.5"], ["--seed", "integer"]),
    k("--epochs 0", ["train", C, "--epochs", "0"], ["--epochs", "train.epochs", "got 0"]),
    k("--seed -1", ["train", C, "--seed", "-1"], ["--seed", "seed", "got -1"]),
    k("empty out", ["train", C, "--out", ""], ["--out", "train.out", "must not be empty"]),
    k("min accuracy above 1", ["eval", "ck.npz", "--min-accuracy", "2"],
      ["--min-accuracy", "[0, 1]", "2.0"], {"ck.npz": _checkpoint}),
    k("min accuracy not a number", ["eval", "ck.npz", "--min-accuracy", "most"],
      ["--min-accuracy", "most"], {"ck.npz": _checkpoint}),
    k("gradcheck batch size 0", ["gradcheck", C, "--batch-size", "0"],
      ["--batch-size", "greater than or equal to 1"]),
    k("gradcheck batch size too big", ["gradcheck", C, "--batch-size", "65"],
      ["--batch-size", "64"]),
    k("gradcheck unknown op", ["gradcheck", "--op", "nosuch"],
      ["--op nosuch", "unknown op or layer", "expected one of"]),
    k("resume with overwrite", ["train", "--resume", "run/last.npz", "--overwrite"],
      ["--overwrite", "cannot be combined with --resume"], {"run": _copy_run}),
    k("gradcheck config with op", ["gradcheck", C, "--op", "relu"],
      ["--op", "cannot be combined with CONFIG"]),
    k("gradcheck set without config", ["gradcheck", "--set", "seed=1"],
      ["--set", "needs a CONFIG"]),
    k("resume with a different config", ["train", "other.yaml", "--resume", "run/last.npz"],
      ["other.yaml:11", "optimizer.lr", "differs from the checkpoint's config"],
      {"run": _copy_run, "other.yaml": TINY.replace("lr: 0.01", "lr: 0.02")}, real=True),
    k("resume with a changed setting", ["train", "--resume", "run/last.npz", "--set",
                                        "data.batch_size=8"],
      ["--set", "data.batch_size", "differs from the checkpoint's config"], {"run": _copy_run}),
    k("resume from a missing checkpoint", ["train", "--resume", "none.npz"],
      ["none.npz", "no such file"]),
    k("out is a file", ["train", C, "--out", C], [C, "is not a folder", "--out"]),
    k("out below a file", ["train", C, "--out", f"{C}/run"],
      [f"{C}/run", "cannot write there", "not a writable folder"], real=True),
    k("out holds a run", ["train", C, "--out", "run"],
      ["run", "already holds a run", "--overwrite", "--resume"], {"run": _copy_run}),
    k("eval on a split that does not exist", ["eval", "ck.npz", "--split", "holdout"],
      ["'holdout'", "train, validation and test"], {"ck.npz": _checkpoint}),
    k("eval on missing data", ["eval", "ck.npz", "--data", "none.csv"],
      ["--data", "none.csv", "no such file"], {"ck.npz": _checkpoint}),
    k("eval on data of another shape", ["eval", "ck.npz", "--data", "wide.npz", "--split",
                                        "train"],
      ["wide.npz (train)", "shape (5,)", "expects (2,)"],
      {"ck.npz": _checkpoint, "wide.npz": _npz(np.zeros((10, 5)), np.arange(10) % 3)}),
    k("eval on data with more classes", ["eval", "ck.npz", "--data", "many.npz", "--split",
                                         "train"],
      ["many.npz (train)", "5 classes", "predicts 3"],
      {"ck.npz": _checkpoint, "many.npz": _npz(np.zeros((10, 2)), np.arange(10) % 5)}),
    s("without =", "epochs", ["expected KEY.PATH=VALUE", "'epochs'"]),
    s("empty key", "=1", ["malformed key path ''"]),
    s("double dot", "train..epochs=1", ["malformed key path 'train..epochs'"]),
    s("trailing dot", "train.=1", ["malformed key path 'train.'"]),
    s("dash in key", "train.max-epochs=1", ["malformed key path 'train.max-epochs'"]),
    s("space in key", "train.ep ochs=1", ["malformed key path"]),
    s("leading index", "0.linear=1", ["must start with a name"]),
    s("bad yaml value", "model=[relu,", ["model=[relu,", "invalid YAML"]),
    s("yaml tag in value", "seed=!!python/object/apply:os.system [touch pwned]",
      ["invalid YAML", "python/object"]),
    s("duplicate key in value", "optimizer={name: sgd, name: adam}", ["duplicate key 'name'"]),
    s("index out of range", "model.9.linear.out=1", ["model has 3 items", "index 9"]),
    s("negative index out of range", "model.-9.relu=1", ["model has 3 items", "index -9"]),
    s("index into a mapping", "data.0=1", ["data is a mapping", "not 0"]),
    s("name into a list", "model.first=relu", ["model is a list", "'first'"]),
    s("key inside a value", "seed.x=1", ["seed is a single value"]),
    s("null value", "seed=", ["seed", "missing value", "an integer"]),
    s("unknown key", "data.batchsize=8", ["data.batchsize", "did you mean 'batch_size'"]),
    s("string for a number", "optimizer.lr=fast", ["optimizer.lr", '"fast"', "a number"]),
    s("quoted number", "train.epochs='3'", ["train.epochs", '"3"', "without quotes"]),
    s("huge number", "train.epochs=1e999", ["train.epochs", "inf"]),
    s("empty model", "model=[]", ["model", "non-empty list"]),
    s("scalar for a section", "data=5", ["data", "expected a mapping", "5"]),
    s("unknown layer", "model.1=swish", ["model.1", "unknown layer 'swish'"]),
    s("layer that does not chain", "model.2.linear.in=7", ["model.2.linear.in", "is 7",
                                                            "has 16"]),
    k("missing checkpoint for export", ["export"], ["Missing argument 'CHECKPOINT'"]),
    k("export to an unknown format", ["export", "ck.npz", "--format", "tflite"],
      ["--format", "'tflite' is not supported", "onnx"], {"ck.npz": _checkpoint}),
    k("export into a missing folder", ["export", "ck.npz", "--out", "no/dir/m.onnx"],
      ["--out", "no/dir/m.onnx", "does not exist"], {"ck.npz": _checkpoint}),
    k("export a config instead of a checkpoint", ["export", C], [C, "not an .npz archive"]),
    k("missing source for graph", ["graph"], ["Missing argument 'CONFIG_OR_CHECKPOINT'"]),
    k("graph to an unknown picture format", ["graph", C, "--out", "model.gif"],
      ["--out", "model.gif", ".svg, .png, .dot"]),
    k("missing checkpoint for predict", ["predict"], ["Missing argument 'CHECKPOINT'"]),
    k("predict without inputs", ["predict", "ck.npz"], ["give INPUT files", "--data SOURCE"],
      {"ck.npz": _checkpoint}),
    k("predict an image with a features model", ["predict", "ck.npz", "x.png"],
      ["x.png", "is an image", "2 feature values"], {"ck.npz": _checkpoint, "x.png": "nope"}),
    k("predict csv rows of the wrong width", ["predict", "ck.npz", "rows.csv"],
      ["rows.csv line 1", "has 3 values", "2 values per row"],
      {"ck.npz": _checkpoint, "rows.csv": "1,2,3\n"}, real=True),
    k("predict an array of the wrong shape", ["predict", "ck.npz", "a.npy"],
      ["a.npy", "shape (5,)", "2 feature values"],
      {"ck.npz": _checkpoint, "a.npy": lambda path, base: np.save(path, np.ones((4, 5)))}),
    Case("predict a fifo", ["predict", "ck.npz", "rows.csv"],
         ("rows.csv", "not a regular file", "pipe"),
         {C: TINY, "ck.npz": _checkpoint, "rows.csv": lambda path, base: os.mkfifo(path)},
         real=True, real_only=True),
    Case("predict a folder holding a fifo", ["predict", "ck.npz", "pictures"],
         ("pictures/b.png is not a regular file", "pipe"),
         {C: TINY, "ck.npz": _checkpoint, "pictures/a.png": "nope",
          "pictures/b.png": lambda path, base: os.mkfifo(path)}, real=True, real_only=True),
    k("predict top-k 0", ["predict", "ck.npz", "--split", "test", "--top-k", "0"],
      ["--top-k", "0"], {"ck.npz": _checkpoint}),
    k("predict into a text file", ["predict", "ck.npz", "--split", "test", "--out", "p.txt"],
      ["--out", "p.txt", "CSV"], {"ck.npz": _checkpoint}),
    k("plot a folder with no run", ["plot", "nowhere"], ["nowhere", "no metrics file"]),
    k("plot an unknown metric", ["plot", "run", "--metric", "f1"], ["--metric", "'f1'",
                                                                    "val_loss"],
      {"run": _copy_run}),
    k("plot against an unknown axis", ["plot", "run", "--x", "hours"], ["--x", "hours"],
      {"run": _copy_run}),
    k("plot into a gif", ["plot", "run", "--out", "c.gif"], ["--out", "c.gif", ".png, .svg"],
      {"run": _copy_run}),
    k("plot a metrics file that is not json", ["plot", "m.jsonl"], ["m.jsonl:1", "JSON"],
      {"m.jsonl": "epoch 1 loss 0.5\nepoch 2 loss 0.4\n"}),
    k("missing runs for compare", ["compare"], ["Missing argument 'RUN'"]),
    k("compare with a missing run", ["compare", "run", "gone"], ["gone", "no metrics file"],
      {"run": _copy_run}),
    k("eval plots into a file", ["eval", "ck.npz", "--plots", C], ["--plots", C,
                                                                    "not a folder"],
      {"ck.npz": _checkpoint}),
]
