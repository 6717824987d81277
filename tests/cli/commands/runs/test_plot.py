"""`simplegrad plot`, `simplegrad compare`, the end-of-training chart and `eval --plots`:
each output checked for real content (series, labels, image sizes, the exact config diff)."""
import json
import re
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from cli_helpers import one_line
from image_data import image_config, write_image_npz
from PIL import Image

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but newline and tab


@pytest.fixture
def two_runs(cli, write_config):
    """runs/tiny (lr 0.01, 2 epochs) and runs/fast (lr 0.05, 3 epochs, seed 1); both log the
    loss every 4 steps."""
    config = write_config()
    assert cli("train", config, "--set", "train.log_every=4").exit_code == 0
    result = cli("train", config, "--set", "train.log_every=4", "--set", "optimizer.lr=0.05", "--epochs", "3", "--seed", "1",
                 "--out", "runs/fast")
    assert result.exit_code == 0, result.stderr
    return "runs/tiny", "runs/fast"


def test_plot_draws_both_series_with_axis_labels(cli, two_runs):
    result = cli("plot", two_runs[0])
    assert result.exit_code == 0, result.stderr
    chart = result.stdout
    assert chart.splitlines()[1].split() == ["loss", "▚", "train_loss", "•", "val_loss"]
    assert chart.splitlines()[-1].strip() == "epoch"  # axis titles, the legend beside the y one
    assert not CONTROL.search(chart)
    assert max(len(line) for line in chart.splitlines()) <= 80


def test_one_run_shares_a_panel_only_between_train_and_val_of_a_metric(cli, two_runs):
    from simplegrad_cli.ui.curves import metric_panels
    from simplegrad_cli.run.metrics_log import read_histories

    panels = metric_panels(read_histories([two_runs[0]])[0],
                           ["train_loss", "val_loss", "loss", "time_s", "samples_per_s"])
    assert [p.title for p in panels] == ["tiny: train_loss, val_loss, loss", "tiny: time_s",
                                         "tiny: samples_per_s"]
    assert [p.ylabel for p in panels] == ["loss", "seconds per epoch", "samples per second"]
    assert [label for label, _, _ in panels[0].curves] == ["train_loss", "val_loss", "loss"]


def test_plot_overlays_runs_with_a_legend_naming_each(cli, two_runs):
    result = cli("plot", *two_runs, "--metric", "val_accuracy", "--metric", "loss", "--x", "step")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("▚ tiny  • fast\n") == 2  # a legend for each panel
    assert "val_accuracy" in result.stdout and "step" in result.stdout


def test_plot_reads_a_running_run(cli, two_runs, workdir):
    metrics = workdir / "runs/tiny/metrics.jsonl"
    with open(metrics, "a") as handle:
        handle.write('{"type": "step", "epoch": 3, "st')  # a line being written
    result = cli("plot", str(metrics), "--metric", "loss", "--x", "time")
    assert result.exit_code == 0, result.stderr
    assert "training time (s)" in result.stdout


@pytest.mark.parametrize("extension,width,height", [("png", 800, 640), ("svg", 576, 460.8)])
def test_plot_out_writes_an_image_of_the_right_size(cli, two_runs, workdir, extension, width,
                                                   height):
    out = f"curves.{extension}"
    result = cli("plot", *two_runs, "--metric", "train_loss", "--metric", "val_accuracy",
                 "--out", out)
    assert result.exit_code == 0, result.stderr
    if extension == "png":
        with Image.open(workdir / out) as image:
            assert image.format == "PNG" and image.size == (width, height)
    else:
        root = ElementTree.parse(workdir / out).getroot()
        assert root.tag.endswith("svg")
        assert float(root.get("width").rstrip("pt")) == width
        assert float(root.get("height").rstrip("pt")) == height
        text = (workdir / out).read_text()
        assert "tiny" in text and "fast" in text  # legend entries


def test_plot_errors_are_one_line(cli, two_runs):
    result = cli("plot", two_runs[0], "--metric", "f1")
    assert result.exit_code == 2
    assert one_line(result).startswith("--metric: no metric 'f1' in these runs; recorded: "
                                       "train_loss, train_accuracy, lr, val_loss")
    result = cli("plot", "nowhere")
    assert result.exit_code == 2 and one_line(result).startswith("nowhere: no metrics file")
    result = cli("plot", two_runs[0], "--out", "curves.gif")
    assert result.exit_code == 2
    assert one_line(result) == ("--out: curves.gif: unknown image format '.gif'; expected .png, "
                                ".svg, .pdf")
    assert cli("plot", two_runs[0], "--x", "hours").exit_code == 2


def test_plot_out_without_matplotlib_says_what_to_install(cli, two_runs, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    result = cli("plot", two_runs[0], "--out", "curves.png")
    assert result.exit_code == 2
    assert one_line(result) == ('--out curves.png needs matplotlib: pip install '
                                '"simplegrad[plot]"')


def test_eval_plots_without_matplotlib_fails_before_any_work(cli, write_config, workdir,
                                                             monkeypatch):
    import sys

    assert cli("train", write_config()).exit_code == 0
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = cli("eval", "runs/tiny/best.npz", "--plots", "pics")
    assert result.exit_code == 2 and result.stdout == ""
    assert one_line(result) == '--plots pics needs matplotlib: pip install "simplegrad[plot]"'
    assert not (workdir / "pics").exists()


def test_compare_lists_exactly_the_differing_config_keys(cli, two_runs):
    result = cli("compare", *two_runs, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["config_differences"] == {"seed": [0, 1], "optimizer.lr": [0.01, 0.05],
                                            "train.epochs": [2, 3],
                                            "train.out": [None, "runs/fast"]}
    tiny, fast = report["runs"]
    assert (tiny["run"], tiny["epochs"], fast["epochs"]) == ("tiny", 2, 3)
    assert tiny["parameters"] == fast["parameters"] == 2 * 16 + 16 + 16 * 3 + 3
    records = [json.loads(line) for line in open("runs/fast/metrics.jsonl")]
    accuracies = [(r["epoch"], r["val_accuracy"]) for r in records if r["type"] == "epoch"]
    best = max(accuracies, key=lambda item: item[1])
    assert (fast["best"], fast["best_epoch"], fast["final"]) == (best[1], best[0],
                                                                 accuracies[-1][1])
    assert fast["time_s"] == pytest.approx(sum(r["time_s"] for r in records
                                               if r["type"] == "epoch"))


def test_compare_table_and_diff_lines(cli, two_runs):
    result = cli("compare", *two_runs)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    diff = lines[lines.index("config differences") + 1:]
    assert diff == ["seed: 0 | 1", "optimizer.lr: 0.01 | 0.05", "train.epochs: 2 | 3",
                    "train.out: null | runs/fast"]
    assert "best epoch" in result.stdout and "parameters" in result.stdout


def test_training_chart_fits_80_columns_in_plain_text(cli, write_config):
    result = cli("train", write_config(), "--plot")
    assert result.exit_code == 0, result.stderr
    chart = result.stderr[result.stderr.index("best val_accuracy"):].split("\n", 1)[1]
    chart = chart[:chart.index("\nnext: ")]  # the chart, then the next command to run
    assert "train_loss" in chart and "val_loss" in chart and "val_accuracy" in chart
    assert chart.splitlines()[-1].split() == ["epoch", "epoch"]
    assert not CONTROL.search(chart)
    assert max(len(line) for line in chart.splitlines()) <= 80
    plain = cli("train", write_config(), "--overwrite")  # not a terminal, no --plot: no chart
    assert "train_loss" not in plain.stderr


def test_training_chart_function_colours_only_when_asked():
    from simplegrad_cli.ui.curves import training_chart
    from simplegrad_cli.run.metrics_log import RunHistory

    epochs = [{"type": "epoch", "epoch": e, "step": 10 * e, "train_loss": 1 / e,
               "val_loss": 1.2 / e, "val_accuracy": 0.5 + e / 10} for e in (1, 2, 3)]
    history = RunHistory("run", ".", epochs, [])
    assert "\x1b[" in training_chart(history, "val_accuracy", color=True)
    plain = training_chart(history, "val_loss")
    assert "val_accuracy" not in plain and "val_loss" in plain and not CONTROL.search(plain)
    assert training_chart(RunHistory("run", ".", [], []), "val_loss") == ""


def test_eval_plots_for_image_data(cli, workdir):
    write_image_npz(workdir / "images.npz")
    (workdir / "img.yaml").write_text(image_config().replace("epochs: 3", "epochs: 1"))
    assert cli("train", "img.yaml").exit_code == 0
    result = cli("eval", "runs/img/best.npz", "--plots", "pics/eval", "--json")
    assert result.exit_code == 0, result.stderr
    written = json.loads(result.stdout)["plots"]
    assert written == ["pics/eval/confusion_matrix.png", "pics/eval/most_confident_mistakes.png"]
    with Image.open(workdir / written[0]) as image:
        assert image.size == (600, 500)
        pixels = np.asarray(image.convert("L"))
        assert pixels.min() < 100 < pixels.max()  # dark cells on a light figure: drawn
    with Image.open(workdir / written[1]) as image:
        assert image.size[0] == 880 and image.size[1] % 270 == 0


def test_eval_plots_for_features_only_draws_the_confusion_matrix(cli, write_config, workdir):
    assert cli("train", write_config()).exit_code == 0
    result = cli("eval", "runs/tiny/best.npz", "--plots", "pics")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (workdir / "pics").iterdir()) == ["confusion_matrix.png"]
    assert "wrote pics/confusion_matrix.png" in result.stderr


def test_most_confident_mistakes_are_ordered():
    from simplegrad_cli.ui.eval_plots import most_confident_mistakes

    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.05, 0.95]])
    labels = np.array([0, 0, 0, 1])
    assert most_confident_mistakes(labels, probabilities).tolist() == [1, 2]


@pytest.mark.parametrize("command", ["plot", "compare"])
def test_runs_with_no_records_are_skipped_with_a_note(cli, two_runs, workdir, command):
    (workdir / "runs/empty").mkdir()  # a sweep trial stopped before it wrote anything
    (workdir / "runs/started").mkdir()  # ... or before its first record
    (workdir / "runs/started/metrics.jsonl").write_text("")
    result = cli(command, two_runs[0], "runs/empty", two_runs[1], "runs/started")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == ["runs/empty: no metrics recorded yet; skipped",
                                          "runs/started: no metrics recorded yet; skipped"]
    assert "tiny" in result.stdout and "fast" in result.stdout and "empty" not in result.stdout
    result = cli(command, "runs/empty", "runs/started")  # nothing left to show
    assert result.exit_code == 2
    assert one_line(result) == "runs/empty, runs/started: no metrics recorded yet"
    result = cli(command, two_runs[0], "runs/nowhere")  # a path that is not there: an error
    assert result.exit_code == 2 and one_line(result).startswith("runs/nowhere: no metrics file")


def test_output_in_a_pipe_honours_columns(cli, two_runs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    chart = cli("plot", two_runs[0]).stdout.splitlines()
    assert max(len(line) for line in chart) == 60  # as wide as asked, not 80
    table = cli("compare", *two_runs).stdout.splitlines()
    assert max(len(line) for line in table) == 60  # not 120


def test_the_end_of_training_chart_draws_an_infinite_val_loss():
    from simplegrad_cli.ui.curves import training_chart
    from simplegrad_cli.run.metrics_log import RunHistory

    epochs = [{"type": "epoch", "epoch": e, "step": 10 * e, "train_loss": 1 / e,
               "val_loss": 1.2 / e if e < 3 else float("inf"), "val_accuracy": 0.5 + e / 10}
              for e in (1, 2, 3)]
    chart = training_chart(RunHistory("run", ".", epochs, []), "val_accuracy")
    assert "val_loss (1 value not finite, not drawn)" in chart
    assert "validation accuracy (%)" in chart and "80" in chart  # 0.8 shown as 80%


def test_plot_json_gives_the_values_drawn(cli, two_runs, workdir):
    result = cli("plot", *two_runs, "--metric", "val_accuracy", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    tiny = report["runs"][0]
    records = [json.loads(line) for line in open(workdir / "runs/tiny/metrics.jsonl")]
    assert (report["x"], report["out"], tiny["run"]) == ("epoch", None, "tiny")
    assert tiny["metrics"] == {"val_accuracy": {
        "x": [1.0, 2.0], "y": [r["val_accuracy"] for r in records if r["type"] == "epoch"],
        "not_finite": 0}}
    result = cli("plot", two_runs[0], "--out", "curves.svg", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["out"] == "curves.svg"
    assert (workdir / "curves.svg").is_file()
