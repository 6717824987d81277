"""`simplegrad predict`: the library's numbers, the same classes as `eval`, every input kind,
and one-line errors for inputs that do not fit the model."""
import csv
import json

import numpy as np
import pytest
from cli_helpers import one_line, resave
from image_data import CLASS_NAMES, image_config, write_image_npz

from simplegrad import Tensor, no_grad


@pytest.fixture
def spirals_run(cli, write_config):
    """The tiny spirals run: runs/tiny/best.npz (2 features, 3 classes)."""
    result = cli("train", write_config())
    assert result.exit_code == 0, result.stderr
    return "runs/tiny/best.npz"


@pytest.fixture
def image_run(cli, workdir):
    """A small CNN on 8x8 bar images: runs/img/best.npz, and the raw test images/labels."""
    x_test, y_test = write_image_npz(workdir / "images.npz")
    (workdir / "img.yaml").write_text(image_config())
    result = cli("train", "img.yaml")
    assert result.exit_code == 0, result.stderr
    return "runs/img/best.npz", x_test, y_test


def stored_model(path):
    """The checkpoint's model (eval mode) and config, rebuilt as the CLI does."""
    from simplegrad_cli.run.stored_run import open_checkpoint, rebuild_model, stored_config

    checkpoint = open_checkpoint(path)
    cfg = stored_config(checkpoint)
    model, _ = rebuild_model(checkpoint, cfg)
    model.eval()
    return model, cfg


def softmax64(logits):
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def predictions(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["predictions"]


def write_pngs(folder, images):
    from PIL import Image

    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{i:03d}.png")


def test_probabilities_are_softmax_of_the_model_in_eval_mode(cli, spirals_run):
    from simplegrad import data

    rows = predictions(cli("predict", spirals_run, "--split", "test", "--top-k", "3", "--json"))
    dataset = data.load("synthetic:spirals", split="test", n_samples=200, noise=0.1,
                        num_classes=3)
    model, _ = stored_model(spirals_run)
    with no_grad():
        expected = softmax64(model(Tensor(dataset.x)).data)
    assert len(rows) == len(dataset) == 200
    for i, row in enumerate(rows):
        classes = [t["class"] for t in row["top"]]
        assert classes == list(np.argsort(-expected[i], kind="stable"))
        np.testing.assert_allclose([t["probability"] for t in row["top"]],
                                   expected[i][classes], rtol=1e-5, atol=1e-7)
        assert row["label"] == dataset.y[i]


def test_png_folder_gives_the_classes_eval_gives(cli, image_run, workdir):
    checkpoint, x_test, y_test = image_run
    write_pngs(workdir / "pngs", x_test)
    rows = predictions(cli("predict", checkpoint, "pngs", "--json", "--top-k", "1"))
    assert [r["input"] for r in rows] == [f"pngs/{i:03d}.png" for i in range(len(x_test))]
    predicted = np.array([r["top"][0]["class"] for r in rows])
    assert [r["top"][0]["name"] for r in rows] == [CLASS_NAMES[c] for c in predicted]

    from simplegrad_cli.inputs.datasets import load_split
    from simplegrad_cli.run import build
    from simplegrad_cli.run.evaluation import evaluate

    model, cfg = stored_model(checkpoint)
    dataset = load_split(cfg, "test")
    result = evaluate(model, dataset, build.make_loss("cross_entropy", 3), 3)
    np.testing.assert_array_equal(predicted, result["predictions"])
    report = json.loads(cli("eval", checkpoint, "--json").stdout)  # the command, too
    labels = np.searchsorted(CLASS_NAMES, y_test)
    confusion = np.zeros((3, 3), int)
    np.add.at(confusion, (labels, predicted), 1)
    assert report["confusion_matrix"] == confusion.tolist()


def test_images_are_prepared_exactly_as_training_data(cli, image_run, workdir):
    """Pixels / 255, then data.normalize: the probabilities match the model on those inputs."""
    checkpoint, x_test, _ = image_run
    write_pngs(workdir / "pngs", x_test[:5])
    rows = predictions(cli("predict", checkpoint, "pngs", "--json"))
    model, _ = stored_model(checkpoint)
    x = (x_test[:5, None].astype(np.float32) / 255 - np.float32(0.2)) / np.float32(0.4)
    with no_grad():
        expected = softmax64(model(Tensor(x)).data)
    got = np.array([[t["probability"] for t in sorted(r["top"], key=lambda t: t["class"])]
                    for r in rows])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_images_for_a_flattened_model_and_other_sizes_and_modes(cli, workdir):
    from PIL import Image

    x_test, _ = write_image_npz(workdir / "images.npz")
    (workdir / "flat.yaml").write_text(image_config(flatten=True))
    assert cli("train", "flat.yaml").exit_code == 0
    Image.fromarray(x_test[0]).save(workdir / "same.png")
    Image.fromarray(np.stack([x_test[0]] * 3, axis=-1)).convert("RGB") \
        .save(workdir / "colour.jpg", quality=100)
    Image.fromarray(x_test[0]).resize((16, 16), Image.Resampling.NEAREST).save(workdir / "big.png")
    rows = predictions(cli("predict", "runs/flat/best.npz", "same.png", "colour.jpg", "big.png",
                           "--json"))
    assert [r["input"] for r in rows] == ["same.png", "colour.jpg", "big.png"]
    same = [t["probability"] for t in rows[0]["top"]]
    assert rows[0]["top"][0]["class"] == rows[1]["top"][0]["class"] == rows[2]["top"][0]["class"]
    np.testing.assert_allclose([t["probability"] for t in rows[1]["top"]], same, atol=0.05)


def test_npy_npz_and_csv_inputs(cli, spirals_run, workdir):
    samples = np.array([[0.1, -0.2], [0.5, 0.5], [-1.0, 0.3]], np.float32)
    np.save(workdir / "batch.npy", samples)
    np.save(workdir / "one.npy", samples[1])
    np.savez(workdir / "arrays.npz", x=samples)
    (workdir / "rows.csv").write_text("x0,x1,label\n0.1,-0.2,1\n0.5,0.5,0\n-1.0,0.3,2\n")
    (workdir / "plain.csv").write_text("0.1,-0.2\n0.5,0.5\n-1.0,0.3\n")
    rows = predictions(cli("predict", spirals_run, "batch.npy", "one.npy", "arrays.npz",
                           "rows.csv", "plain.csv", "--json"))
    names = [r["input"] for r in rows]
    assert names[:4] == ["batch.npy[0]", "batch.npy[1]", "batch.npy[2]", "one.npy[0]"]
    assert names[-1] == "plain.csv[2]" and len(rows) == 13
    model, _ = stored_model(spirals_run)
    with no_grad():
        expected = softmax64(model(Tensor(samples)).data)
    for start in (0, 4, 7, 10):
        for i in range(3):
            top = rows[start + i]["top"][0]
            assert top["class"] == expected[i].argmax()
            assert top["probability"] == pytest.approx(expected[i].max(), rel=1e-5)
    assert rows[3]["top"] == rows[1]["top"]


def test_out_writes_a_csv_and_top_k_is_clipped(cli, spirals_run, workdir):
    np.save(workdir / "batch.npy", np.zeros((4, 2), np.float32))
    result = cli("predict", spirals_run, "batch.npy", "--top-k", "7", "--out", "preds.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and "wrote 4 predictions to preds.csv" in result.stderr
    with open(workdir / "preds.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["input", "class_1", "probability_1", "class_2", "probability_2",
                             "class_3", "probability_3"]
    assert [r["input"] for r in rows] == [f"batch.npy[{i}]" for i in range(4)]
    total = sum(float(rows[0][f"probability_{i}"]) for i in (1, 2, 3))
    assert total == pytest.approx(1.0, abs=1e-5)
    assert [p.name for p in workdir.iterdir() if "partial" in p.name] == []


def test_table_output(cli, image_run, workdir):
    checkpoint, x_test, _ = image_run
    write_pngs(workdir / "pngs", x_test[:3])
    result = cli("predict", checkpoint, "pngs", "--top-k", "2")
    assert result.exit_code == 0, result.stderr
    assert "predictions (3 inputs)" in result.stdout and "top 2" in result.stdout
    assert "pngs/000.png" in result.stdout and "%" in result.stdout
    assert any(name in result.stdout for name in CLASS_NAMES)


def test_many_inputs_print_plain_aligned_lines(cli, spirals_run, workdir):
    np.save(workdir / "many.npy", np.zeros((600, 2), np.float32))
    result = cli("predict", spirals_run, "many.npy", "--top-k", "1")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "predictions (600 inputs)" and len(lines) == 602
    assert lines[1].split() == ["input", "top", "1"]
    assert lines[-1].split()[0] == "many.npy[599]" and lines[-1].endswith("%")


@pytest.mark.parametrize("make,args,expected", [
    (lambda d: (d / "bad.png").write_text("not an image"), ["bad.png"],
     "bad.png: cannot decode the image"),
    (lambda d: (d / "rows.csv").write_text("1,2,3\n"), ["rows.csv"],
     "rows.csv line 1: has 3 values, but the model expects 64 values per row (the pixels of "
     "images of 1x8x8 (grayscale))"),
    (lambda d: np.save(d / "wrong.npy", np.zeros((2, 9, 9), np.float32)), ["wrong.npy"],
     "wrong.npy: samples have shape (9, 9), but the model expects images of 1x8x8"),
    (lambda d: (d / "notes.txt").write_text("hi"), ["notes.txt"],
     "notes.txt: unknown input type '.txt'"),
    (lambda d: None, ["missing.png"], "missing.png: no such file or folder"),
    (lambda d: (d / "empty").mkdir(), ["empty"], "empty: a folder with no image files"),
])
def test_bad_inputs_are_one_line_naming_the_input(cli, image_run, workdir, make, args,
                                                  expected):
    make(workdir)
    result = cli("predict", image_run[0], *args)
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith(expected), line
    if "cannot decode" in expected:
        assert line.endswith("the model expects images of 1x8x8 (grayscale)")


def test_an_image_for_a_features_model(cli, spirals_run, workdir):
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), np.uint8)).save(workdir / "digit.png")
    result = cli("predict", spirals_run, "digit.png")
    assert result.exit_code == 2
    assert one_line(result) == ("digit.png: is an image, but the model expects 2 feature values "
                                "per sample (shape (2,)) (a CSV row or a .npy/.npz array)")


def test_usage_errors(cli, spirals_run):
    assert one_line(cli("predict", spirals_run)).startswith("give INPUT files or folders")
    result = cli("predict", spirals_run, "--split", "test", "--out", "preds.txt")
    assert result.exit_code == 2 and one_line(result).startswith("--out: preds.txt")
    result = cli("predict", spirals_run, "--split", "test", "--top-k", "0")
    assert result.exit_code == 2


def test_split_val_predicts_the_held_out_examples_eval_scores(cli, spirals_run):
    predicted = cli("predict", spirals_run, "--split", "val", "--json")
    report = json.loads(predicted.stdout)
    scored = json.loads(cli("eval", spirals_run, "--split", "val", "--json").stdout)
    assert report["samples"] == scored["samples"] == 40  # val_fraction 0.2 of 200
    assert report["accuracy"] == scored["accuracy"]
    shown = cli("predict", spirals_run, "--split", "val")
    assert shown.stdout.splitlines()[-1] == \
        f"accuracy {scored['accuracy'] * 100:.2f}% on 40 labelled inputs (synthetic:spirals:val)"


def test_labels_stored_with_the_inputs_give_the_accuracy(cli, spirals_run, workdir):
    samples = np.array([[0.1, -0.2], [0.5, 0.5], [-1.0, 0.3]], np.float32)
    model, _ = stored_model(spirals_run)
    with no_grad():
        classes = model(Tensor(samples)).data.argmax(axis=1)
    np.savez(workdir / "labelled.npz", x=samples, y=np.array([classes[0], classes[1], 9 % 3]))
    rows = predictions(cli("predict", spirals_run, "labelled.npz", "--json"))
    assert [r["label"] for r in rows] == [classes[0], classes[1], 0]
    shown = cli("predict", spirals_run, "labelled.npz")
    right = 2 + (classes[2] == 0)
    assert shown.stdout.splitlines()[-1] == \
        f"accuracy {right / 3 * 100:.2f}% on 3 labelled inputs"


def test_one_table_style_for_any_number_of_inputs(cli, spirals_run, workdir):
    np.save(workdir / "one.npy", np.zeros(2, np.float32))
    lines = cli("predict", spirals_run, "one.npy", "--top-k", "1").stdout.splitlines()
    assert lines[0] == "predictions (1 input)" and lines[1].split() == ["input", "top", "1"]
    assert lines[2].startswith("one.npy[0] ") and len(lines) == 3


def test_a_model_with_non_finite_weights_predicts_nothing(cli, spirals_run, workdir):
    resave(spirals_run, "nan.npz", {"2.bias": np.nan})
    result = cli("predict", "nan.npz", "--split", "test")
    assert result.exit_code == 2 and result.stdout == ""
    assert "the weights are not finite (NaN or inf in 2.bias)" in one_line(result)


def test_finite_weights_whose_outputs_overflow_predict_nothing(cli, spirals_run, workdir):
    resave(spirals_run, "huge.npz", {"2.weight": 3e38})  # finite, but x @ W is inf
    result = cli("predict", "huge.npz", "--split", "test")
    assert result.exit_code == 2 and result.stdout == ""
    assert "the model's outputs are not finite for this input (they overflow)" in one_line(result)


def test_a_16_bit_picture_is_read_at_its_depth(cli, image_run, workdir):
    from PIL import Image

    checkpoint, x_test, _ = image_run
    Image.fromarray(x_test[0]).save(workdir / "eight.png")
    Image.fromarray(x_test[0].astype(np.uint16) * 257).save(workdir / "sixteen.png")
    eight, sixteen = predictions(cli("predict", checkpoint, "eight.png", "sixteen.png",
                                     "--json"))
    assert sixteen["top"] == eight["top"]


def test_a_picture_unlike_the_training_pictures_is_warned_about(cli, image_run, workdir):
    from PIL import Image

    checkpoint, x_test, _ = image_run
    Image.fromarray(x_test[0]).save(workdir / "like.png")
    Image.fromarray(255 - x_test[0]).save(workdir / "inverted.png")
    result = cli("predict", checkpoint, "like.png", "inverted.png")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: inverted.png: its "
                                                         "background is much brighter")


def test_a_picture_over_the_pixel_limit_is_refused_as_training_refuses_it(cli, image_run,
                                                                          workdir):
    from pictures import png_header_only

    (workdir / "huge.png").write_bytes(png_header_only(12_000, 10_000))  # 120 megapixels
    result = cli("predict", image_run[0], "huge.png")
    assert result.exit_code == 2
    assert one_line(result).startswith("huge.png: cannot decode the image (image over "
                                       "Pillow's limit of ")
