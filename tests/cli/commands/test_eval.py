"""`simplegrad eval` and `simplegrad info` on a checkpoint made by `simplegrad train`."""
import json

import numpy as np
import pytest

from cli_helpers import one_line


@pytest.fixture
def trained(cli, write_config):
    """A finished tiny run: runs/tiny/{best,last}.npz."""
    result = cli("train", write_config(), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_eval_json_reports_consistent_metrics(cli, trained):
    result = cli("eval", "runs/tiny/best.npz", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["split"] == "test" and report["source"] == "synthetic:spirals"
    matrix = report["confusion_matrix"]
    assert len(matrix) == 3 and sum(map(sum, matrix)) == report["samples"] == 200
    correct = sum(matrix[i][i] for i in range(3))
    assert report["accuracy"] == pytest.approx(correct / 200)
    for row in report["per_class"]:
        c = row["class"]
        assert row["support"] == sum(matrix[c])
        assert row["recall"] == pytest.approx(matrix[c][c] / sum(matrix[c]))
    assert report["passed"] is True and report["loss"] > 0


def test_eval_tables_on_stdout(cli, trained):
    result = cli("eval", "runs/tiny/best.npz")
    assert result.exit_code == 0
    assert "accuracy" in result.stdout and "confusion matrix" in result.stdout
    assert "precision" in result.stdout and "\x1b" not in result.stdout


def test_min_accuracy_is_a_ci_gate(cli, trained):
    assert cli("eval", "runs/tiny/best.npz", "--min-accuracy", "0").exit_code == 0
    result = cli("eval", "runs/tiny/best.npz", "--min-accuracy", "1", "--json")
    accuracy = json.loads(result.stdout)["accuracy"]
    assert accuracy < 1.0  # two epochs on noisy spirals: not perfect
    assert result.exit_code == 1
    assert one_line(result) == (f"accuracy {accuracy * 100:.2f}% is below --min-accuracy "
                                "100.00%")


def test_eval_on_other_data(cli, trained):
    result = cli("eval", "runs/tiny/best.npz", "--data", "synthetic:moons", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "synthetic:moons"
    result = cli("eval", "runs/tiny/best.npz", "--data", "synthetic:blobs", "--split", "train",
                 "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["split"] == "train"


def test_eval_rejects_data_of_the_wrong_shape(cli, trained, workdir):
    np.savez(workdir / "wide.npz", x=np.zeros((10, 5), np.float32), y=np.zeros(10, np.int64))
    result = cli("eval", "runs/tiny/best.npz", "--data", "wide.npz")
    assert result.exit_code == 2
    assert one_line(result).startswith("--data: wide.npz: a single file holds only the split")
    result = cli("eval", "runs/tiny/best.npz", "--data", "wide.npz", "--split", "train")
    assert result.exit_code == 2
    assert one_line(result) == ("wide.npz (train): samples have shape (5,) but the model "
                                "expects (2,)")


def test_info_json(cli, trained):
    result = cli("info", "runs/tiny/last.npz", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["epoch"] == 2 and report["step"] == 20 and report["name"] == "tiny"
    shapes = {p["name"]: p["shape"] for p in report["parameters"]}
    assert shapes == {"0.weight": [2, 16], "0.bias": [16], "2.weight": [16, 3], "2.bias": [3]}
    assert report["total_parameters"] == 2 * 16 + 16 + 16 * 3 + 3
    assert report["config"]["model"][0]["linear"]["in"] == 2
    assert report["metrics"]["val_accuracy"] == trained["final"]["val_accuracy"]


def test_info_tables(cli, trained):
    result = cli("info", "runs/tiny/best.npz")
    assert result.exit_code == 0
    for word in ("checkpoint", "0.weight", "(2, 16)", "config:", "linear"):
        assert word in result.stdout


def _folder(d):
    (d / "folder").mkdir()


@pytest.mark.parametrize("setup, path, expected", [
    (_folder, "folder", "folder: is a directory; expected a checkpoint file"),
    (lambda d: (d / "empty.npz").write_bytes(b""), "empty.npz", "empty.npz: empty"),
    (lambda d: (d / "junk.npz").write_bytes(b"junk" * 50), "junk.npz", "junk.npz: not "),
    (lambda d: None, "missing.npz", "missing.npz: no such file"),
    (lambda d: np.savez(d / "plain.npz", a=np.zeros(3)), "plain.npz",
     "plain.npz: not a simplegrad checkpoint"),
    (lambda d: np.savez(d / "pickle.npz", metadata=np.array({"a": 1}, dtype=object)),
     "pickle.npz", "pickle.npz: entry 'metadata' is an object array; refusing to unpickle it"),
])
def test_bad_checkpoints_are_one_line(cli, workdir, setup, path, expected):
    setup(workdir)
    for command in ("eval", "info"):
        result = cli(command, path)
        assert result.exit_code == 2
        assert one_line(result).startswith(expected)


def test_truncated_checkpoint(cli, trained, workdir):
    data = (workdir / "runs/tiny/last.npz").read_bytes()
    (workdir / "cut.npz").write_bytes(data[: len(data) // 2])
    result = cli("eval", "cut.npz")
    assert result.exit_code == 2
    assert one_line(result).startswith("cut.npz: ")


def test_checkpoint_whose_config_no_longer_validates(cli, trained, workdir):
    from simplegrad.checkpoint import load_checkpoint, save_checkpoint

    saved = load_checkpoint("runs/tiny/best.npz")
    meta = dict(saved.metadata)
    meta["config"] = dict(meta["config"], train={"epochs": "many"})
    meta.pop("format_version"), meta.pop("library_version")
    save_checkpoint("old.npz", saved.model_state, **meta)
    result = cli("eval", "old.npz")
    assert result.exit_code == 2
    assert one_line(result) == (
        'the stored config no longer validates: old.npz (stored config): train.epochs: '
        'expected an integer in [1, 100000], got the string "many"')


def test_info_shows_a_stored_config_that_no_longer_validates(cli, trained):
    with np.load("runs/tiny/last.npz", allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    header = json.loads(str(arrays["metadata"]))
    header["metadata"]["config"]["optimizer"]["lr"] = -1.0
    np.savez("runs/tiny/old.npz", **{**arrays, "metadata": np.array(json.dumps(header))})
    result = cli("info", "runs/tiny/old.npz", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["config"]["optimizer"]["lr"] == -1.0
