"""The `simplegrad` command line: Typer signatures only. Each command's arguments become its
module's `Options`, its `run` returns a report and `emit` prints it (JSON with --json), so every
command has --json; NumPy, the library and `datasets` are imported by the commands that need
them, so --help is instant."""
import importlib
import inspect
import os
import sys
from types import SimpleNamespace
from typing import Annotated

import typer

from simplegrad_cli.boundary import Command, OneLineErrors
from simplegrad_cli.config.schema import TRACKERS, sources_in_words
from simplegrad_cli.errors import CliError
from simplegrad_cli.learn.tasks import TASKS

EXAMPLES = """
**Examples** (offline: builtin:digits ships with simplegrad)

```
simplegrad train configs/digits.yaml
simplegrad train configs/digits.yaml --set optimizer.lr=3e-4 --epochs 5
simplegrad train --resume runs/digits/last.npz
simplegrad eval runs/digits/best.npz --min-accuracy 0.95
simplegrad gradcheck --op conv2d
simplegrad validate configs/digits_cnn.yaml
simplegrad info runs/digits/best.npz
```

Exit codes: 0 ok, 1 check failed (gradcheck, --min-accuracy, diverged),
2 bad usage or input, 130 interrupted (143 on SIGTERM).
"""


app = typer.Typer(
    cls=OneLineErrors, name="simplegrad", invoke_without_command=True,
    rich_markup_mode="markdown", pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Train, evaluate and check simplegrad models from YAML configs.\n\n" + EXAMPLES,
)


def _version(value: bool):
    if value:
        from importlib.metadata import PackageNotFoundError, version
        try:
            number = version("simplegrad")
        except PackageNotFoundError:
            import simplegrad
            number = simplegrad.__version__
        sys.stdout.write(f"simplegrad {number}\n")
        raise typer.Exit()


def _option(kind, help_text, *flags, **settings):
    """The type of a command option: `kind` with its flags, help and Typer settings."""
    return Annotated[kind, typer.Option(*flags, help=help_text, **settings)]


def _argument(kind, metavar, help_text, **settings):
    """The type of a command argument: `kind` shown as `metavar` in the usage line."""
    return Annotated[kind, typer.Argument(metavar=metavar, help=help_text, **settings)]


def _path_option(metavar, help_text):
    """An output path option with a leading `~` expanded, as the shell does except in
    `--out=~/x` or quotes: never a folder literally named `~`."""
    return _option(str | None, help_text, metavar=metavar,
                   callback=lambda path: None if path is None else os.path.expanduser(path))


@app.callback()
def _root(
    ctx: typer.Context,
    version: _option(bool | None, "Print the version and exit.", "--version",
                     callback=_version, is_eager=True) = None,
    debug: _option(bool, "Show Python tracebacks instead of one-line errors.", "--debug")
    = False,
):
    """Train, evaluate and check simplegrad models from YAML configs."""
    if ctx.invoked_subcommand is None:  # plain `simplegrad`: show the help
        sys.stdout.write(ctx.get_help() + "\n")
        raise CliError("simplegrad: error: missing command (see 'simplegrad --help')")


SetOption = _option(list[str], "Override a config key with a YAML value (repeatable), e.g. "
                    "--set optimizer.lr=3e-4 or --set model.0.linear.out=256.", "--set", "-s",
                    metavar="KEY.PATH=VALUE")
JsonOption = _option(bool, "Print the result as JSON on stdout.", "--json")
PrintConfig = _option(bool, "Print the resolved config (defaults and overrides applied) and "
                            "exit.", "--print-config")
LogTo = _option(list[str], f"Also log the run to these experiment trackers: {', '.join(TRACKERS)} "
                "(repeatable or comma-separated; none = no tracker); replaces train.log_to. See "
                "docs/tracking.md.", "--log-to", metavar="NAME")
Checkpoint = _argument(str, "CHECKPOINT", "Checkpoint file (best.npz or last.npz).")
CheckpointFile = _argument(str, "CHECKPOINT", "Checkpoint file.")
SOURCES = f"({sources_in_words()})."


def _run(command, arguments):
    """`simplegrad COMMAND`: simplegrad_cli.commands.COMMAND's run(options), the options being
    its signature's arguments below; emit prints the report (as JSON with --json)."""
    from simplegrad_cli.ui.report import emit

    as_json = arguments.pop("json_")
    module = importlib.import_module(f"simplegrad_cli.commands.{command}")
    return emit(module.run(SimpleNamespace(**arguments)), as_json)


def options(command, **given):
    """The options `simplegrad COMMAND` passes its module, its signature's defaults filled in,
    for running a command from Python: `predict.run(options("predict", checkpoint=...))`."""
    parameters = inspect.signature(globals()[command]).parameters
    defaults = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
    defaults.pop("json_")
    return SimpleNamespace(**{**defaults, **given})


@app.command(
    cls=Command, epilog="Example: simplegrad train configs/spirals.yaml --epochs 20 --json")
def train(
    config: _argument(str | None, "CONFIG", "YAML config file (optional with --resume: the "
                      "checkpoint holds its config).", show_default=False) = None,
    overrides: SetOption = [],  # noqa: B006  (Typer reads the default, never mutates it)
    seed: _option(int | None, "Shortcut for --set seed=N.", metavar="N") = None,
    epochs: _option(int | None, "Shortcut for --set train.epochs=N (on --resume: train to "
                                "epoch N).", metavar="N") = None,
    out: _path_option("DIR", "Run folder (default: runs/ and the config file's name); "
                             "shortcut for --set train.out=DIR.") = None,
    resume: _option(str | None, "Continue the run saved in this checkpoint (e.g. "
                                "runs/NAME/last.npz) exactly where it stopped.",
                    metavar="CHECKPOINT") = None,
    overwrite: _option(bool, "Replace an earlier run in the run folder.", "--overwrite")
    = False,
    print_config: PrintConfig = False,
    json_: JsonOption = False,
    plot: _option(bool, "Print a chart of loss and metric per epoch at the end (always shown "
                        "on a terminal).", "--plot") = False,
    threads: _option(int | None, "simplegrad's threads (default: train.threads, else "
                                 "$SIMPLEGRAD_THREADS, else every core); results do not depend "
                                 "on it.", metavar="N", min=1) = None,
    log_to: LogTo = [],  # noqa: B006
    detect_anomaly: _option(bool, "Stop at the first op that makes NaN or inf from finite "
                                  "values, naming it and its layer (slower); shortcut for --set "
                                  "train.detect_anomaly=true.", "--detect-anomaly") = False,
):
    """Train the model a config describes, with progress on stderr.

    Writes config.yaml, metrics.jsonl, last.npz (every epoch) and best.npz to the run folder.
    Ctrl-C, SIGTERM or SIGHUP saves last.npz and exits 130/143/129; --resume continues exactly.
    A NaN/inf loss stops the run with exit code 1, keeping the last good checkpoint.
    """
    return _run("train", locals())


@app.command(
    cls=Command, epilog="Example: simplegrad eval runs/digits/best.npz --min-accuracy 0.95 --json")
def eval(  # noqa: A001  (the command is called eval)
    checkpoint: Checkpoint,
    data: _option(str | None, f"Evaluate on this source instead of the config's {SOURCES}",
                  metavar="SOURCE") = None,
    split: _option(str | None, "Split to evaluate (default: the config's data.test_split); "
                               "`val` scores the examples the run held out for validation.",
                   metavar="NAME") = None,
    allow_train_overlap: _option(bool, "Score data holding more than 10% of the examples the "
                                       "model was trained on (recognised by content; the "
                                       "accuracy is then not a held-out measure).",
                                 "--allow-train-overlap") = False,
    min_accuracy: _option(float | None, "Exit with code 1 if accuracy is below X (0..1): a CI "
                                        "gate.", metavar="X") = None,
    json_: JsonOption = False,
    plots: _path_option("DIR", "Write a confusion-matrix heatmap and, for images, a grid of "
                               "the most confident mistakes into DIR (needs "
                               "simplegrad[plot]).") = None,
):
    """Evaluate a checkpoint: loss, accuracy, per-class precision/recall, confusion matrix.

    The model is rebuilt from the config stored in the checkpoint; no YAML file is needed.
    """
    return _run("eval", locals())


@app.command(
    cls=Command, epilog="Examples: simplegrad gradcheck --op conv2d --op linear; "
                         "simplegrad gradcheck configs/spirals.yaml")
def gradcheck(
    config: _argument(str | None, "CONFIG", "Check this config's model and loss on a small "
                      "batch instead of the library's ops.", show_default=False) = None,
    ops: _option(list[str], "Check only this op or layer (repeatable).", "--op", metavar="NAME")
    = [],  # noqa: B006
    overrides: SetOption = [],  # noqa: B006
    batch_size: _option(int, "Samples in the batch checked with a CONFIG.", metavar="N", min=1,
                        max=64) = 4,
    json_: JsonOption = False,
):
    """Compare analytic gradients with finite differences in float64.

    Without CONFIG: every differentiable op and layer of the library, one row each.
    Exit code 1 if any check fails.
    """
    return _run("gradcheck", locals())


@app.command(
    cls=Command,
    epilog="Example: simplegrad validate configs/digits.yaml --set model.0.linear.out=256")
def validate(
    config: _argument(str, "CONFIG", "YAML config file."),
    overrides: SetOption = [],  # noqa: B006
    print_config: PrintConfig = False,
    load_data: _option(bool, "Also read the data, as train does: check it, and the model "
                             "against its shape.", "--load-data") = False,
    json_: JsonOption = False,
):
    """Check a config as train would (keys, types, shapes, memory) and show the model.

    The data is not read (nor downloaded): its shape comes from data.input_shape, or from
    the source where it is known without reading (builtin:, synthetic:, a cached hub
    dataset); otherwise shapes are shown as unknown. --load-data checks the data too.
    """
    return _run("validate", locals())


@app.command(cls=Command, epilog="Example: simplegrad info runs/digits/best.npz --json")
def info(checkpoint: CheckpointFile, json_: JsonOption = False):
    """Show a checkpoint's metadata, config, parameter shapes and metrics."""
    return _run("info", locals())


@app.command(cls=Command,
             epilog="Example: simplegrad export runs/digits_cnn/best.npz --out digits_cnn.onnx")
def export(
    checkpoint: CheckpointFile,
    fmt: _option(str, "Export format (onnx).", "--format", metavar="FORMAT") = "onnx",
    out: _path_option("FILE", "Where to write (default: the checkpoint's name with .onnx).")
    = None,
    json_: JsonOption = False,
):
    """Export a checkpoint's model to ONNX, check it, and compare it with simplegrad.

    The config's data.normalize is folded in: the file takes inputs as the data source gives
    them. Exit code 1 if onnxruntime and simplegrad differ by more than 1e-5.
    """
    return _run("export", locals())


@app.command(cls=Command,
             epilog="Example: simplegrad graph configs/digits_cnn.yaml --out model.svg")
def graph(
    source: _argument(str, "CONFIG_OR_CHECKPOINT", "YAML config or checkpoint (.npz)."),
    out: _path_option("FILE", "Write a picture (.svg, .png: needs Graphviz) or .dot text.")
    = None,
    overrides: SetOption = [],  # noqa: B006
    json_: _option(bool, "Print the layers as JSON on stdout (as validate --json does).",
                   "--json") = False,
):
    """Draw the model: each layer with its output shape and parameters, top to bottom.

    Without --out, prints the DOT text (pipe it to `dot -Tsvg`). A config's data is never
    read: shapes come from data.input_shape or the source where known, else show as ?.
    """
    return _run("graph", locals())


@app.command(cls=Command, epilog="Examples: simplegrad sweep configs/sweeps/spirals.yaml; "
                                   "simplegrad sweep configs/spirals.yaml --search "
                                   "optimizer.lr=loguniform:1e-4:1e-1")
def sweep(
    source: _argument(str, "SWEEP", "Sweep file (config:, space:, settings), or a config with "
                                    "--search."),
    search: _option(list[str], "Search a key (repeatable): loguniform:LOW:HIGH, "
                    "uniform:LOW:HIGH, int:LOW:HIGH or choice:A,B,C.", metavar="KEY.PATH=DIST")
    = [],  # noqa: B006
    overrides: SetOption = [],  # noqa: B006
    trials: _option(int | None, "Trials in the study.", metavar="N", min=1) = None,
    jobs: _option(int | None, "Trials at once here.", metavar="N", min=1) = None,
    study: _option(str | None, "Study name.", metavar="NAME") = None,
    out: _path_option("DIR", "Sweep folder.") = None,
    storage: _option(str | None, "Optuna RDB storage, e.g. postgresql://user@host/db "
                                 "(default: SWEEP_DIR/study.db).", metavar="URL") = None,
    join: _option(bool, "Add this machine as a worker to a study others also run.", "--join")
    = False,
    log_to: LogTo = [],  # noqa: B006
    json_: JsonOption = False,
):
    """Search hyperparameters with Optuna; each trial is a run folder in the sweep folder.

    Writes trials.jsonl and best.yaml (a config to train as is); the same command again
    continues the study. Exit code 0 when at least one trial completed.
    """
    return _run("sweep", locals())


@app.command(
    cls=Command, epilog="Examples: simplegrad predict runs/digits/best.npz digit.png drawings/; "
                         "simplegrad predict runs/spirals/best.npz rows.csv --out preds.csv")
def predict(
    checkpoint: Checkpoint,
    inputs: _argument(list[str] | None, "INPUT", "Image files or folders of images (PNG, "
                      "JPEG...), .npy/.npz arrays of samples, or CSV files of feature rows.",
                      show_default=False) = None,
    data: _option(str | None, f"Predict a whole dataset split of this source {SOURCES}",
                  metavar="SOURCE") = None,
    split: _option(str | None, "Split to predict (default: the config's data.test_split).",
                   metavar="NAME") = None,
    top_k: _option(int, "Classes to show per input, most likely first.", "--top-k",
                   metavar="K", min=1) = 3,
    out: _path_option("FILE.csv", "Write the predictions to this CSV file.") = None,
    json_: JsonOption = False,
):
    """Run a checkpoint's model on new inputs: top-k classes with probabilities.

    Inputs are converted and normalised exactly as the training data was, from the config
    stored in the checkpoint.
    """
    return _run("predict", locals())


@app.command(
    cls=Command, epilog="Examples: simplegrad plot runs/spirals; simplegrad plot runs/a runs/b "
                         "--metric val_accuracy --out curves.png")
def plot(
    runs: _argument(list[str], "RUN_OR_METRICS_FILE", "Run folders (runs/NAME), their "
                                                      "metrics.jsonl or checkpoints."),
    metric: _option(list[str], "Metric to draw (repeatable; default train_loss and val_loss), "
                               "e.g. val_accuracy, loss (per step), lr.", metavar="NAME")
    = [],  # noqa: B006
    x: _option(str, "Horizontal axis.", "--x", metavar="step|epoch|time") = "epoch",
    out: _path_option("FILE", "Write an image (.png, .svg or .pdf; needs simplegrad[plot]) "
                              "instead of drawing on the terminal.") = None,
    json_: _option(bool, "Print the values drawn as JSON on stdout (x, y per run and "
                         "metric).", "--json") = False,
    diagnostics: _option(bool, "Draw the run's diagnostics.jsonl instead, against the step: "
                               "gradient norms and update ratios per layer, dead and saturated "
                               "units (train with --set train.diagnostics.every=N).",
                         "--diagnostics") = False,
):
    """Draw the learning curves of one or more runs, overlaid (works on a running run)."""
    return _run("runs.plot", locals())


@app.command(cls=Command, epilog="Example: simplegrad compare runs/lr_small runs/lr_large --json")
def compare(
    runs: _argument(list[str], "RUN", "Run folders (runs/NAME)."),
    json_: JsonOption = False,
):
    """Compare runs: best and final metric, epochs, time, parameters, and the config keys
    whose values differ."""
    return _run("runs.compare", locals())


@app.command(cls=Command, epilog="Example: simplegrad doctor runs/digits --json")
def doctor(
    run: _argument(str, "RUN", "Run folder (runs/NAME), its metrics.jsonl or a checkpoint."),
    json_: _option(bool, "Print the findings as JSON objects on stdout (kind, severity, "
                         "summary, evidence, next, epoch, step, values).", "--json") = False,
):
    """Explain a run: what went wrong (or right), with the evidence and what to run next.

    Reads metrics.jsonl, config.yaml and diagnostics.jsonl when the run has one: divergence,
    a learning rate too small, dead ReLUs, vanishing or exploding gradients, overfitting,
    underfitting, an early-stopped or interrupted run, imbalanced classes. Exit code 0.
    """
    return _run("runs.doctor", locals())


@app.command(cls=Command, name="lr-find",
             epilog="Example: simplegrad lr-find configs/digits.yaml --out lr.png")
def lr_find(
    config: _argument(str, "CONFIG", "YAML config file."),
    overrides: SetOption = [],  # noqa: B006
    steps: _option(int, "Steps of the test (it ends sooner if the loss blows up).",
                   metavar="N", min=10, max=100_000) = 200,
    start: _option(float, "Learning rate of the first step.", metavar="LR") = 1e-7,
    end: _option(float, "Learning rate of the last step.", metavar="LR") = 10.0,
    out: _path_option("FILE", "Also write the chart as an image (.png, .svg or .pdf; needs "
                              "simplegrad[plot]).") = None,
    json_: JsonOption = False,
):
    """Find a learning rate: train briefly while the rate grows from --start to --end.

    The smoothed loss against the rate shows where training is fast and where it blows up;
    the suggested rate comes with its reasoning and the `--set optimizer.lr=...` to train
    with. Writes nothing but the --out picture. Exit code 1 if the loss never fell.
    """
    return _run("lr_find", locals())


learn = typer.Typer(
    name="learn", invoke_without_command=True,
    help="Write the engine's key pieces yourself (topological order, unbroadcast, op backwards, "
         "SGD, Adam, Linear) and have them graded, task by task.")
app.add_typer(learn, cls=OneLineErrors)
LearnFolder = _argument(str, "DIR", "Your learning folder.")


@learn.callback()
def _learn(ctx: typer.Context):
    if ctx.invoked_subcommand is None:  # plain `simplegrad learn`: show the help
        sys.stdout.write(ctx.get_help() + "\n")
        raise CliError("simplegrad learn: error: missing command: start or check (see "
                       "'simplegrad learn --help')")


@learn.command(cls=Command, epilog="Example: simplegrad learn start mywork")
def start(folder: LearnFolder, json_: JsonOption = False):
    """Lay out the stubs to fill in, and a README listing the tasks, in a new (or empty) DIR."""
    return _run("learn", {"action": "start", "folder": folder, "task": None, "json_": json_})


@learn.command(cls=Command, epilog="Example: simplegrad learn check mywork --task 1")
def check(
    folder: LearnFolder,
    task: _option(int | None, f"Check only task N (1 to {len(TASKS)}).", "--task", metavar="N",
                  min=1, max=len(TASKS)) = None,
    json_: JsonOption = False,
):
    """Grade your pieces: each runs in place of the library's own through real graphs and
    gradient checks. Exit code 1 until every task checked is done."""
    return _run("learn", {"action": "check", "folder": folder, "task": task, "json_": json_})


def main():
    """Console-script entry point (`simplegrad = "simplegrad_cli.main:main"`)."""
    app()
