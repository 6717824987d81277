"""`eval` never scores training examples without being asked; `--split val` scores exactly the
held-out ones; local sources are stored absolute, so eval and resume work from any folder."""
import json
import os

import numpy as np
from cli_helpers import one_line, resave
from data_files import make_mnist_like

MNIST = """\
seed: 0
data:
  source: {source}
  split: {split}
  val_fraction: 0.25
  batch_size: 10
  flatten: true
model:
  - linear: {{out: 10}}
train:
  epochs: 2
"""


def _test_only_folder(path, n_test=40):
    """A folder with only t10k-* IDX files (the documented offline setup)."""
    make_mnist_like(path, n_test=n_test)
    for name in os.listdir(path):
        if name.startswith("train"):
            os.remove(path / name)
    return path


def test_eval_refuses_split_that_overlaps_training(cli, workdir, write_config):
    _test_only_folder(workdir / "mnist")
    assert cli("train", write_config(MNIST.format(source="mnist", split="test"))).exit_code == 0
    result = cli("eval", "runs/tiny/best.npz", "--json")
    assert result.exit_code == 2
    line = one_line(result)
    assert "30 of the 40 samples" in line and "are examples the model was trained on" in line
    assert "--split val" in line
    assert "--allow-train-overlap" in line
    assert json.loads(result.stdout)["ok"] is False

    allowed = cli("eval", "runs/tiny/best.npz", "--allow-train-overlap", "--json")
    assert allowed.exit_code == 0, allowed.stderr
    report = json.loads(allowed.stdout)
    assert report["samples"] == 40 and report["overlaps_training"] is True


def test_eval_split_val_scores_exactly_the_held_out_examples(cli, workdir, write_config):
    _test_only_folder(workdir / "mnist")
    assert cli("train", write_config(MNIST.format(source="mnist", split="test"))).exit_code == 0
    result = cli("eval", "runs/tiny/last.npz", "--split", "val", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["samples"] == 10 and report["overlaps_training"] is False
    records = [json.loads(line) for line in open("runs/tiny/metrics.jsonl")]
    last_epoch = [r for r in records if r["type"] == "epoch"][-1]
    assert report["accuracy"] == last_epoch["val_accuracy"]
    assert abs(report["loss"] - last_epoch["val_loss"]) < 1e-6


def test_relative_source_works_from_another_folder(cli, workdir, monkeypatch):
    make_mnist_like(workdir / "data" / "mnist", n_train=40)
    project = workdir / "project"
    project.mkdir()
    (project / "tiny.yaml").write_text(MNIST.format(source="../data/mnist", split="train"))
    monkeypatch.chdir(project)
    assert cli("train", "tiny.yaml").exit_code == 0
    checkpoint = project / "runs" / "tiny" / "last.npz"
    monkeypatch.chdir(workdir)
    evaluated = cli("eval", checkpoint, "--json")
    assert evaluated.exit_code == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["source"] == str(workdir / "data" / "mnist")
    resumed = cli("train", "--resume", checkpoint, "--epochs", "3")
    assert resumed.exit_code == 0, resumed.stderr


def test_train_only_test_files_suggests_the_test_split(cli, workdir, write_config):
    _test_only_folder(workdir / "mnist")
    result = cli("validate", write_config(MNIST.format(source="mnist", split="train")),
                 "--load-data")
    assert result.exit_code == 2
    assert one_line(result).endswith("it holds only split 'test'; to train on it, add --set "
                                     "data.split=test --set data.val_fraction=0.2")


def _copies(workdir):
    """The same IDX data as `mnist` through a symbolic link, a hard-linked folder, a path with
    a leading space and another source (an .npz of the same images)."""
    os.symlink("mnist", workdir / "linked")
    os.mkdir(workdir / "hard")
    for name in os.listdir(workdir / "mnist"):
        os.link(workdir / "mnist" / name, workdir / "hard" / name)
    from simplegrad.data.sources.idx import read_idx

    images = read_idx(str(workdir / "mnist" / "train-images-idx3-ubyte"))
    labels = read_idx(str(workdir / "mnist" / "train-labels-idx1-ubyte"))
    np.savez(workdir / "copy.npz", x=images, y=labels)
    return ["linked", "hard", f" {workdir / 'mnist'}", "copy.npz"]


def test_eval_recognises_training_data_by_content_whatever_its_path(cli, workdir,
                                                                    write_config):
    make_mnist_like(workdir / "mnist", n_train=40, n_test=20)
    assert cli("train", write_config(MNIST.format(source="mnist", split="train"))).exit_code == 0
    for source in _copies(workdir):
        split = ["--split", "train"]
        result = cli("eval", "runs/tiny/best.npz", "--data", source, *split, "--json")
        line = one_line(result)
        assert result.exit_code == 2 and "30 of the 40 samples" in line, (source, line)
        allowed = cli("eval", "runs/tiny/best.npz", "--data", source, *split,
                      "--allow-train-overlap", "--json")
        report = json.loads(allowed.stdout)
        assert report["overlaps_training"] is True
        assert report["training_overlap"] == {"samples": 30, "fraction": 0.75}
    held_out = json.loads(cli("eval", "runs/tiny/best.npz", "--split", "val", "--json").stdout)
    assert held_out["training_overlap"] == {"samples": 0, "fraction": 0.0}
    shown = cli("eval", "runs/tiny/best.npz", "--split", "test")
    assert "training examples among them: 0 of 20 (0.0%)" in shown.stdout


def test_a_checkpoint_without_a_fingerprint_still_evaluates_by_split_name(cli, workdir,
                                                                          write_config):
    _test_only_folder(workdir / "mnist")
    assert cli("train", write_config(MNIST.format(source="mnist", split="test"))).exit_code == 0
    saved = resave("runs/tiny/best.npz", "runs/tiny/old.npz")  # as older versions did
    assert "train_rows" in saved.extra
    refused = cli("eval", "runs/tiny/old.npz")
    assert refused.exit_code == 2 and "trained on split 'test'" in one_line(refused)
    held_out = cli("eval", "runs/tiny/old.npz", "--split", "val", "--json")
    assert held_out.exit_code == 0, held_out.stderr
    assert json.loads(held_out.stdout)["training_overlap"] is None
