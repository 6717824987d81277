"""An output path never names an input: every command with an output refuses (exit 2, nothing
written) a path that is one of its inputs by identity (the same file through another spelling,
a symbolic link or a hard link) or lies inside an input data folder."""
import os

import pytest
from cli_helpers import one_line
from data_files import make_mnist_like

from simplegrad_cli.errors import CliError
from simplegrad_cli.run.output_guard import refuse_inputs

MNIST = """\
seed: 0
data:
  source: mnist
  val_fraction: 0.25
  batch_size: 10
model:
  - flatten
  - linear: {out: 10}
optimizer: {name: adam, lr: 0.01}
train:
  epochs: 1
"""


@pytest.fixture
def run(cli, write_config):
    """The tiny spirals run (runs/tiny) and its checkpoint."""
    assert cli("train", write_config()).exit_code == 0
    return "runs/tiny/best.npz"


@pytest.fixture
def mnist_run(cli, workdir, write_config):
    """A run on an MNIST-like IDX folder `mnist/` (a data folder: every file in it an input)."""
    make_mnist_like(workdir / "mnist", n_train=40, n_test=10)
    assert cli("train", write_config(MNIST, "m.yaml")).exit_code == 0
    return "runs/m/best.npz"


def unchanged(path):
    """A check that `path` still holds the bytes it holds now."""
    before = open(path, "rb").read()
    return lambda: open(path, "rb").read() == before


def refused(result, *words):
    line = one_line(result)
    assert result.exit_code == 2, line
    assert all(word in line for word in words), line
    return line


def test_the_identity_check_sees_through_spellings_and_links(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("1,2\n")
    os.symlink(data, tmp_path / "soft.csv")
    os.link(data, tmp_path / "hard.csv")
    (tmp_path / "folder").mkdir()
    for out in [data, tmp_path / "folder" / ".." / "data.csv", tmp_path / "soft.csv",
                tmp_path / "hard.csv"]:
        with pytest.raises(CliError, match="data.csv"):
            refuse_inputs(out, [(str(data), "the data file")])
    with pytest.raises(CliError, match="inside the data folder"):
        refuse_inputs(tmp_path / "folder" / "new.csv", [(str(tmp_path / "folder"),
                                                          "the data folder")])
    refuse_inputs(tmp_path / "other.csv", [(str(data), "the data file"),
                                          (str(tmp_path / "folder"), "the data folder")])


@pytest.mark.parametrize("out", ["runs/tiny/best.npz", "./runs//tiny/best.npz",
                                 "runs/tiny/config.yaml", "runs/tiny/last.npz", "link.onnx",
                                 "hard.onnx"])
def test_export_never_replaces_the_checkpoint_or_its_run(cli, run, out):
    os.symlink("runs/tiny/best.npz", "link.onnx")
    os.link("runs/tiny/config.yaml", "hard.onnx")
    checks = [unchanged(f"runs/tiny/{name}") for name in ("best.npz", "last.npz", "config.yaml")]
    refused(cli("export", run, "--out", out), "--out")
    assert all(check() for check in checks)


def test_a_checkpoint_named_onnx_is_not_its_own_export(cli, run):
    os.rename(run, "runs/tiny/model.onnx")
    same = unchanged("runs/tiny/model.onnx")
    refused(cli("export", "runs/tiny/model.onnx"), "model.onnx", "choose another --out")
    assert same()


def test_predict_never_writes_over_an_input(cli, run, workdir):
    (workdir / "rows.csv").write_text("0.1,0.2\n0.3,0.4\n")
    os.symlink("rows.csv", "link.csv")
    same = unchanged("rows.csv")
    for out in ("rows.csv", "link.csv"):
        refused(cli("predict", run, "rows.csv", "--out", out), "rows.csv")
    assert same()


def test_predict_never_writes_into_an_input_folder(cli, workdir):
    from PIL import Image

    make_mnist_like(workdir / "mnist", n_train=40, n_test=10)
    (workdir / "m.yaml").write_text(MNIST)
    assert cli("train", "m.yaml").exit_code == 0
    (workdir / "pictures").mkdir()
    Image.new("L", (28, 28)).save(workdir / "pictures" / "a.png")
    refused(cli("predict", "runs/m/best.npz", "pictures", "--out", "pictures/p.csv"),
            "inside")
    refused(cli("predict", "runs/m/best.npz", "pictures", "--out", "mnist/p.csv"),
            "inside the data source")
    assert not (workdir / "pictures" / "p.csv").exists()
    assert not (workdir / "mnist" / "p.csv").exists()


def test_eval_plots_never_go_into_the_data_folder(cli, mnist_run):
    refused(cli("eval", mnist_run, "--split", "val", "--plots", "mnist"), "--plots",
            "inside the data source")
    assert not any(name.endswith(".png") for name in os.listdir("mnist"))


def test_train_never_writes_its_run_into_the_data_folder(cli, workdir, write_config):
    make_mnist_like(workdir / "mnist", n_train=40, n_test=10)
    before = sorted(os.listdir("mnist"))
    refused(cli("train", write_config(MNIST, "m.yaml"), "--out", "mnist/run"),
            "inside the data source")
    assert sorted(os.listdir("mnist")) == before


def test_graph_never_replaces_its_source(cli, run):
    os.symlink("runs/tiny/config.yaml", "model.dot")
    same = unchanged("runs/tiny/config.yaml")
    refused(cli("graph", "model.dot", "--out", "model.dot"), "--out")
    assert same() and os.path.islink("model.dot")
    os.link("runs/tiny/metrics.jsonl", "records.dot")
    refused(cli("graph", run, "--out", "records.dot"), "the run's metrics.jsonl")


def test_plot_never_replaces_the_runs_records(cli, run):
    os.link("runs/tiny/metrics.jsonl", "curves.png")
    refused(cli("plot", "runs/tiny", "--out", "curves.png"), "metrics.jsonl")


def test_sweep_never_writes_over_its_sweep_file_or_into_the_data(cli, workdir, write_config):
    make_mnist_like(workdir / "mnist", n_train=40, n_test=10)
    config = write_config(MNIST, "m.yaml")
    search = ["--search", "optimizer.lr=loguniform:1e-3:1e-1"]
    refused(cli("sweep", config, *search, "--out", "mnist/sweep"), "inside the data source")
    os.makedirs("sw")
    os.link(config, "sw/best.yaml")
    refused(cli("sweep", "sw/best.yaml", *search, "--out", "sw"), "best.yaml")
    assert not os.path.exists("mnist/sweep") and sorted(os.listdir("sw")) == ["best.yaml"]
