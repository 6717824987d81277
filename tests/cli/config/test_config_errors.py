"""Every class of config mistake gives exactly one line `FILE:LINE: key.path: ...`, exit 2."""
import pytest

from cli_helpers import TINY, one_line

from simplegrad_cli.config import registry
from simplegrad_cli.config.schema import sources_in_words

# (name, config text, exact stderr line)
FILE_CASES = [
    ("yaml syntax", "seed: 0\ndata: [1, 2\n",
     "tiny.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>' "
     "(while parsing a flow sequence)"),
    ("tab indentation", "seed: 0\ndata:\n\tsource: x\n",
     "tiny.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token (while "
     "scanning for the next token); indent with spaces, tabs are not allowed in YAML"),
    ("empty file", "",
     "tiny.yaml: the config is empty; expected a mapping with keys seed, data, model, loss, "
     "optimizer, scheduler, train"),
    ("not a mapping", "- 1\n- 2\n",
     "tiny.yaml:1: expected a mapping with keys seed, data, model, loss, optimizer, scheduler, "
     "train, got a list"),
    ("duplicate key", TINY.replace("seed: 0\n", "seed: 0\nseed: 1\n"),
     "tiny.yaml:2: seed: duplicate key 'seed' (first set on line 1); each key may appear once"),
    ("unknown key", TINY.replace("batch_size", "batchsize"),
     "tiny.yaml:6: data.batchsize: unknown key 'batchsize'; did you mean 'batch_size'?"),
    ("misspelled source option", TINY.replace("noise: 0.1", "noize: 0.1"),
     "tiny.yaml:4: data.options.noize: unknown source option 'noize'; did you mean 'noise'?"),
    ("data key among the source options", TINY.replace("noise: 0.1", "flatten: true"),
     "tiny.yaml:4: data.options.flatten: 'flatten' is not a source option; set it as "
     "data.flatten (next to data.options)"),
    ("unknown top-level key", TINY + "trian: {epochs: 1}\n",
     "tiny.yaml:14: trian: unknown key 'trian'; did you mean 'train'?"),
    ("quoted number", TINY.replace("epochs: 2", 'epochs: "2"'),
     'tiny.yaml:13: train.epochs: expected an integer in [1, 100000], got the string "2"; '
     "write the number without quotes"),
    ("float for int", TINY.replace("epochs: 2", "epochs: 2.0"),
     "tiny.yaml:13: train.epochs: expected an integer in [1, 100000], got 2.0"),
    ("yes is not a boolean", TINY + "  patience: yes\n",
     'tiny.yaml:14: train.patience: expected an integer in [1, 100000] (or null), got the '
     'string "yes"'),
    ("out of range", TINY.replace("batch_size: 16", "batch_size: 0"),
     "tiny.yaml:6: data.batch_size: must be in [1, 1000000], got 0"),
    ("negative learning rate", TINY.replace("lr: 0.01", "lr: -0.01"),
     "tiny.yaml:11: optimizer.lr: must be > 0, got -0.01"),
    ("unknown layer", TINY.replace("- relu", "- rellu"),
     "tiny.yaml:9: model.1: unknown layer 'rellu'; did you mean 'relu'? (valid: "
     f"{', '.join(registry.LAYERS)})"),
    ("unknown optimizer", TINY.replace("name: adam", "name: adagrad"),
     "tiny.yaml:11: optimizer.name: unknown name 'adagrad'; expected one of: sgd, adam, adamw"),
    ("unknown loss", TINY + "loss: nll\n",
     "tiny.yaml:14: loss: unknown value 'nll'; did you mean 'cross_entropy'? (valid: "
     "cross_entropy, mse, binary_cross_entropy)"),
    ("unknown scheduler", TINY + "scheduler: {name: cosin}\n",
     "tiny.yaml:14: scheduler.name: unknown name 'cosin'; did you mean 'cosine'? (valid: step, "
     "cosine)"),
    ("setting of another optimizer", TINY.replace("lr: 0.01", "lr: 0.01, momentum: 0.9"),
     "tiny.yaml:11: optimizer.momentum: unknown key 'momentum' for adam; expected one of: lr, "
     "betas, eps, weight_decay "
     "('momentum' is a setting of sgd)"),
    ("missing required key", TINY.replace("  source: synthetic:spirals\n", ""),
     f"tiny.yaml:2: data: missing required key 'source' ({sources_in_words('doc')})"),
    ("arguments not indented", TINY.replace("  - linear: {out: 16}", "  - linear:\n    out: 16"),
     "tiny.yaml:8: model.0: a layer is one name with its arguments (e.g. `- linear: {out: 10}` "
     "or `- relu`), got keys linear, out; indent the arguments of 'linear' under it: "
     "`- linear: {...}`"),
    ("explicit size that does not chain", TINY.replace("{out: 16}", "{in: 5, out: 16}"),
     "tiny.yaml:8: model.0.linear.in: is 5 but the input to this layer has 2 (per-sample shape "
     "(2,)); set it to 2 or leave it out to infer it"),
    ("output does not fit the classes", TINY.replace("{out: 3}", "{out: 4}"),
     "tiny.yaml:10: model.2.linear.out: the model outputs per-sample shape (4,), but "
     "cross_entropy on data with 3 classes needs (3,); end the model with a layer of 3 outputs"),
    ("conv on flat data", TINY.replace("- relu", "- conv2d: {out: 4, kernel_size: 3}"),
     "tiny.yaml:9: model.1.conv2d: expects per-sample input of shape (channels, height, width),"
     " but gets shape (16,)"),

    ("unknown data source", TINY.replace("synthetic:spirals", "synthetic:spiral"),
     "tiny.yaml:3: data.source: unknown synthetic dataset 'spiral'; choose one of blobs, "
     "circles, moons, spirals, xor"),
    ("bad data option", TINY.replace("n_samples: 200", "n_samples: -1"),
     "tiny.yaml:4: data.options.n_samples: synthetic:spirals: n_samples must be a positive "
     "integer, got -1"),
    ("zero std", TINY.replace("val_fraction: 0.2", "val_fraction: 0.2\n  normalize: [0.5, 0]"),
     "tiny.yaml:6: data.normalize.1: the std must not be 0; expected [mean, std]"),
    ("no validation set for a val metric", TINY.replace("val_fraction: 0.2", "val_fraction: 0"),
     "tiny.yaml:5: data.val_fraction: train.metric is val_accuracy but data.val_fraction is 0, "
     "so there is no validation set; set data.val_fraction > 0 or train.metric to "
     "train_accuracy or train_loss"),
]


@pytest.mark.parametrize("name, text, expected", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_config_error_is_one_exact_line(cli, write_config, name, text, expected):
    result = cli("validate", write_config(text))
    assert result.exit_code == 2, result.stderr
    assert one_line(result) == expected
    assert result.stdout == ""


SET_CASES = [
    (["--set", "train.epochs=0"], "--set: train.epochs: must be in [1, 100000], got 0"),
    (["--set", "optimizer.lr=fast"],
     '--set: optimizer.lr: expected a number > 0, got the string "fast"'),
    (["--set", "data.batchsize=8"],
     "--set: data.batchsize: unknown key 'batchsize'; did you mean 'batch_size'?"),
    (["--set", "epochs"], "--set: expected KEY.PATH=VALUE, got 'epochs'"),
    (["--set", "train..epochs=1"],
     "--set: malformed key path 'train..epochs': expected names or list indices separated by "
     "dots, e.g. optimizer.lr or model.0.linear.out"),
    (["--set", "model.9.linear.out=1"], "--set: model has 3 items; index 9 is out of range"),
    (["--set", "model=[relu,"],
     "--set: model=[relu,: invalid YAML: expected the node content, but found '<stream end>' "
     "(while parsing a flow node)"),
    (["--set", "seed.x=1"],
     "--set: seed is a single value, not a section; cannot set a key inside it"),
    (["--set", "data.options.noize=0.3"],  # blamed on --set, not on the file's options line
     "--set: data.options.noize: unknown source option 'noize'; did you mean 'noise'?"),
    (["--set", "data.options.val_fraction=0.5"],
     "--set: data.options.val_fraction: 'val_fraction' is not a source option; set it as "
     "data.val_fraction (next to data.options)"),
]


@pytest.mark.parametrize("args, expected", SET_CASES, ids=[c[1][:40] for c in SET_CASES])
def test_override_errors_are_one_line(cli, write_config, args, expected):
    result = cli("validate", write_config(), *args)
    assert result.exit_code == 2
    assert one_line(result) == expected


def test_shortcut_options_are_validated_like_keys(cli, write_config):
    result = cli("train", write_config(), "--epochs", "0")
    assert result.exit_code == 2
    assert one_line(result) == "--epochs: train.epochs: must be in [1, 100000], got 0"


@pytest.mark.parametrize("args, expected", [
    (["train"], "simplegrad train: error: Invalid value for CONFIG: give a CONFIG file, or "
                "--resume CHECKPOINT (see 'simplegrad train --help')"),
    (["train", "tiny.yaml", "--epoch", "3"],
     "simplegrad train: error: No such option: --epoch (Possible options: --epochs, --plot) "
     "(see "
     "'simplegrad train --help')"),
    (["eval"], "simplegrad eval: error: Missing argument 'CHECKPOINT'. (see 'simplegrad eval "
               "--help')"),
    (["frobnicate"], "simplegrad: error: No such command 'frobnicate'. (see 'simplegrad "
                     "--help')"),
    (["train", "missing.yaml"], "missing.yaml: no such file; expected the path of a YAML config"),
])
def test_usage_errors_are_one_line(cli, write_config, args, expected):
    write_config()
    result = cli(*args)
    assert result.exit_code == 2
    assert one_line(result) == expected


IMAGES = """\
data:
  source: images.npz
  flatten: {flatten}
  test_split: null
model:
  - {first}
  - linear: {{out: 3}}
"""


@pytest.mark.parametrize("flatten, first, expected", [
    ("false", "linear: {out: 8}",
     "images.yaml:6: model.0.linear: expects per-sample input of shape (features,), but gets "
     "shape (1, 6, 6); add `- flatten` before it"),
    ("true", "conv2d: {out: 4, kernel_size: 3}",
     "images.yaml:6: model.0.conv2d: expects per-sample input of shape (channels, height, "
     "width), but gets shape (36,); set data.flatten: false so images keep their (channels, "
     "height, width) shape"),
    ("false", "conv2d: {out: 4, kernel_size: 7}",
     "images.yaml:6: model.0.conv2d.kernel_size: kernel_size 7 is larger than the input height "
     "6 (+ 2 x padding 0)"),
])
def test_image_shape_errors(cli, write_config, workdir, flatten, first, expected):
    import numpy as np

    rng = np.random.default_rng(0)
    np.savez(workdir / "images.npz", x=rng.random((20, 1, 6, 6), dtype=np.float32),
             y=np.arange(20) % 3)
    result = cli("validate", write_config(IMAGES.format(flatten=flatten, first=first),
                                          "images.yaml"), "--load-data")
    assert result.exit_code == 2
    assert one_line(result) == expected
