"""The `simplegrad` command line: Typer wiring only, importing NumPy, the library and
`datasets` inside the commands so `--help` is instant; every error ends in `_report`."""
import json
import os
import signal
import sys
import traceback
import warnings
from typing import Annotated

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from simplegrad_cli import interrupted_while_starting
from simplegrad_cli.config.schema import sources_in_words
from simplegrad_cli.errors import CHECK_FAILED, INTERRUPTED, INTERRUPTED_LINE, USAGE, CliError, \
    Interrupted
from simplegrad_cli.ui.console import error_line, one_line
from simplegrad_cli.ui.pipe_safe import PipeSafeStdout, guard_stderr

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


def _given(args, flag):
    """Whether `flag` is on the command line (before a `--` that ends the options)."""
    return flag in (args[:args.index("--")] if "--" in args else args)


def _global_first(args, flag):
    """`args` with a global `flag` given anywhere among the options moved before the command
    (`simplegrad validate CONFIG --debug` is `simplegrad --debug validate CONFIG`)."""
    if not _given(args, flag):
        return args
    end = args.index("--") if "--" in args else len(args)
    return [flag] + [arg for arg in args[:end] if arg != flag] + args[end:]


def _plain_types(params):
    """Help without type noise: flags show no `<bool>`, arguments no `<str>`."""
    for param in params:
        if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
            param.display_type_rich = lambda ctx: None  # read by Typer's rich help only
    return params


class _Command(TyperCommand):
    """A command whose help reads cleanly at 80 columns (`eval CHECKPOINT`, not `{CHECKPOINT}`)."""

    def collect_usage_pieces(self, ctx):
        return [p.replace("{", "").replace("}", "") for p in super().collect_usage_pieces(ctx)]

    def get_params(self, ctx):
        return _plain_types(super().get_params(ctx))


class _OneLineErrors(TyperGroup):
    """Run commands with every error reported as one line and a documented exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        args = _global_first(list(sys.argv[1:] if args is None else args), "--debug")
        guard_stderr()
        if signal.getsignal(signal.SIGINT) is interrupted_while_starting:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # caught below from now
        debug, as_json = _given(args, "--debug"), _given(args, "--json")
        stdout, sys.stdout = sys.stdout, PipeSafeStdout(sys.stdout)  # `| head` is no failure
        try:
            with warnings.catch_warnings():
                if not debug and not sys.warnoptions:  # library warnings would break the
                    warnings.simplefilter("ignore")   # one-line promise (-W or --debug: shown)
                code = super().main(args=args, prog_name=prog_name or "simplegrad",
                                    complete_var=complete_var, standalone_mode=False, **extra)
            if code == INTERRUPTED:  # Typer's silent exit for a Ctrl-C while parsing
                error_line(INTERRUPTED_LINE)
        except BaseException as error:  # noqa: B036  (SystemExit/KeyboardInterrupt included)
            if debug and not isinstance(error, (SystemExit, typer.Exit)):
                traceback.print_exception(error)  # --debug adds the traceback, nothing else
            code, message = _report(error, args)
            if message is not None:
                error_line(message)
                if as_json:  # `| jq` in CI parses failures too
                    sys.stdout.write(json.dumps({"ok": False, "error": one_line(message),
                                                 "exit_code": code}, indent=2) + "\n")
        sys.stdout.flush()
        sys.stdout = stdout
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # Typer would turn it into a silent exit code 130
            raise Interrupted(INTERRUPTED_LINE) from None

    def get_params(self, ctx):
        return _plain_types(super().get_params(ctx))


def _report(error, args=()):
    """(exit code, the one-line message to print or None) for an exception."""
    if isinstance(error, SystemExit):
        return (error.code if isinstance(error.code, int) else 0), None
    if isinstance(error, typer.Exit):
        return error.exit_code, None
    if isinstance(error, typer.TyperException):  # usage errors: bad option, missing argument
        ctx = getattr(error, "ctx", None)
        command = ctx.command_path if ctx is not None else "simplegrad"
        hint = f" (see '{command} --help')" if ctx is not None else ""
        message = error.format_message()
        value = _rejected_value(error, args)
        if value is not None and value not in message:
            message += f" (got '{value}')"
        option = getattr(error, "option_name", None)
        known = not option or ctx is None or any(
            option in param.opts for param in ctx.command.get_params(ctx))
        key = None if known else _config_key(option)
        # unless a real option sets that key: --epoch -> "Possible options: --epochs"
        if key is not None and key not in map(_config_key, getattr(error, "possibilities", None)
                                              or ()):
            message = message.split(" (Possible options")[0]
            hint = f"; to set {key}, use --set {key}={_value_after(args, option)}"
        return error.exit_code, f"{command}: error: {message}{hint}"
    if isinstance(error, CliError):
        return error.exit_code, error.line()
    if "simplegrad" in sys.modules:  # else the library, and so none of its errors, never loaded
        from simplegrad.atomic import WriteError
        from simplegrad.errors import InputError
        from simplegrad.memory import MemoryLimitError
        if isinstance(error, (InputError, WriteError, MemoryLimitError)):  # the user's mistakes
            return USAGE, str(error)
    if isinstance(error, KeyboardInterrupt) or (
            isinstance(error, typer.Abort) and isinstance(error.__context__, KeyboardInterrupt)):
        return INTERRUPTED, INTERRUPTED_LINE  # click turns Ctrl-C while parsing into Abort
    if isinstance(error, BrokenPipeError):
        return CHECK_FAILED, None
    if isinstance(error, MemoryError):
        return CHECK_FAILED, "out of memory; try a smaller data.batch_size, data.max_samples " \
                             "or model"
    return CHECK_FAILED, (f"internal error: {type(error).__name__}: {error} (please report it; "
                          f"run with --debug for the traceback)")


def _config_key(option):
    """The config key an unknown option such as `--lr` or `--batch-size` probably meant."""
    from simplegrad_cli.config.schema import config_keys
    if option and option.startswith("--"):
        return config_keys().get(option[2:].replace("-", "_"))
    return None


def _value_after(args, option, missing="VALUE"):
    """The value written after `option` on the command line (`missing` if there is none)."""
    for index, arg in enumerate(args):
        if arg == option and index + 1 < len(args) and not args[index + 1].startswith("-"):
            return args[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return missing


def _rejected_value(error, args):
    """The text given to the option a BadParameter rejected (its message leaves it out)."""
    if isinstance(error, typer.BadParameter) and error.param is not None \
            and error.param.param_type_name == "option":
        return next(filter(None, (_value_after(args, o, None) for o in error.param.opts)), None)
    return None


app = typer.Typer(
    cls=_OneLineErrors, name="simplegrad", invoke_without_command=True,
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


def _bad(message, option):
    """A usage error (exit code 2) about one option or argument."""
    return typer.BadParameter(message, param_hint=option)


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
Checkpoint = _argument(str, "CHECKPOINT", "Checkpoint file (best.npz or last.npz).")
CheckpointFile = _argument(str, "CHECKPOINT", "Checkpoint file.")
SOURCES = f"({sources_in_words()})."


@app.command(
    cls=_Command, epilog="Example: simplegrad train configs/spirals.yaml --epochs 20 --json")
def train(
    config: _argument(str | None, "CONFIG", "YAML config file (optional with --resume: the "
                      "checkpoint holds its config).", show_default=False) = None,
    set_: SetOption = [],  # noqa: B006  (Typer reads the default, never mutates it)
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
    threads: _option(int | None, "BLAS threads for the matmuls (default: $SIMPLEGRAD_THREADS, "
                                 "else 1, which holds up on a busy machine).", metavar="N",
                     min=1) = None,
):
    """Train the model a config describes, with progress on stderr.

    Writes config.yaml, metrics.jsonl, last.npz (every epoch) and best.npz to the run folder.
    Ctrl-C, SIGTERM or SIGHUP saves last.npz and exits 130/143/129; --resume continues exactly.
    A NaN/inf loss stops the run with exit code 1, keeping the last good checkpoint.
    """
    from simplegrad_cli.commands import train as commands
    if config is None and resume is None:
        raise _bad("give a CONFIG file, or --resume CHECKPOINT", "CONFIG")
    if resume is not None and overwrite and out is None:
        raise _bad(commands.OVERWRITE_OWN_RUN, "--overwrite")
    return commands.train(config, set_, seed, epochs, out, resume, overwrite, print_config,
                          json_, plot=plot, threads=threads)


@app.command(
    cls=_Command, epilog="Example: simplegrad eval runs/digits/best.npz --min-accuracy 0.95 --json")
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
    from simplegrad_cli.commands.eval import evaluate
    if min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0:
        raise _bad(f"must be a fraction in [0, 1], got {min_accuracy}", "--min-accuracy")
    return evaluate(checkpoint, data, split, min_accuracy, json_, allow_train_overlap, plots)


@app.command(
    cls=_Command, epilog="Examples: simplegrad gradcheck --op conv2d --op linear; "
                         "simplegrad gradcheck configs/spirals.yaml")
def gradcheck(
    config: _argument(str | None, "CONFIG", "Check this config's model and loss on a small "
                      "batch instead of the library's ops.", show_default=False) = None,
    op: _option(list[str], "Check only this op or layer (repeatable).", metavar="NAME")
    = [],  # noqa: B006
    set_: SetOption = [],  # noqa: B006
    batch_size: _option(int, "Samples in the batch checked with a CONFIG.", metavar="N", min=1,
                        max=64) = 4,
    json_: JsonOption = False,
):
    """Compare analytic gradients with finite differences in float64.

    Without CONFIG: every differentiable op and layer of the library, one row each.
    Exit code 1 if any check fails.
    """
    from simplegrad_cli.commands import gradcheck as gradchecks
    if config is not None and op:
        raise _bad("--op selects library ops; it cannot be combined with CONFIG", "--op")
    if config is None and set_:
        raise _bad("--set needs a CONFIG", "--set")
    return gradchecks.gradcheck(config, op, set_, batch_size, json_)


@app.command(
    cls=_Command,
    epilog="Example: simplegrad validate configs/digits.yaml --set model.0.linear.out=256")
def validate(
    config: _argument(str, "CONFIG", "YAML config file."),
    set_: SetOption = [],  # noqa: B006
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
    from simplegrad_cli.commands import train as commands
    return commands.validate(config, set_, print_config, json_, load_data)


@app.command(cls=_Command, epilog="Example: simplegrad info runs/digits/best.npz --json")
def info(checkpoint: CheckpointFile, json_: JsonOption = False):
    """Show a checkpoint's metadata, config, parameter shapes and metrics."""
    from simplegrad_cli.commands import train as commands
    return commands.info(checkpoint, json_)


@app.command(cls=_Command,
             epilog="Example: simplegrad export runs/digits_cnn/best.npz --out digits_cnn.onnx")
def export(
    checkpoint: CheckpointFile,
    format_: _option(str, "Export format (onnx).", "--format", metavar="FORMAT") = "onnx",
    out: _path_option("FILE", "Where to write (default: the checkpoint's name with .onnx).")
    = None,
    json_: JsonOption = False,
):
    """Export a checkpoint's model to ONNX, check it, and compare it with simplegrad.

    The config's data.normalize is folded in: the file takes inputs as the data source gives
    them. Exit code 1 if onnxruntime and simplegrad differ by more than 1e-5.
    """
    from simplegrad_cli.commands import export as export_command
    return export_command.export(checkpoint, format_, out, json_)


@app.command(cls=_Command,
             epilog="Example: simplegrad graph configs/digits_cnn.yaml --out model.svg")
def graph(
    source: _argument(str, "CONFIG_OR_CHECKPOINT", "YAML config or checkpoint (.npz)."),
    out: _path_option("FILE", "Write a picture (.svg, .png: needs Graphviz) or .dot text.")
    = None,
    set_: SetOption = [],  # noqa: B006
    json_: _option(bool, "Print the layers as JSON on stdout (as validate --json does).",
                   "--json") = False,
):
    """Draw the model: each layer with its output shape and parameters, top to bottom.

    Without --out, prints the DOT text (pipe it to `dot -Tsvg`). A config's data is never
    read: shapes come from data.input_shape or the source where known, else show as ?.
    """
    from simplegrad_cli.commands import graph as graph_command
    return graph_command.graph(source, out, set_, json_)


@app.command(cls=_Command, epilog="Examples: simplegrad sweep configs/sweeps/spirals.yaml; "
                                   "simplegrad sweep configs/spirals.yaml --search "
                                   "optimizer.lr=loguniform:1e-4:1e-1")
def sweep(
    source: _argument(str, "SWEEP", "Sweep file (config:, space:, settings), or a config with "
                                    "--search."),
    search: _option(list[str], "Search a key (repeatable): loguniform:LOW:HIGH, "
                    "uniform:LOW:HIGH, int:LOW:HIGH or choice:A,B,C.", metavar="KEY.PATH=DIST")
    = [],  # noqa: B006
    set_: SetOption = [],  # noqa: B006
    trials: _option(int | None, "Trials in the study.", metavar="N", min=1) = None,
    jobs: _option(int | None, "Trials at once here.", metavar="N", min=1) = None,
    study: _option(str | None, "Study name.", metavar="NAME") = None,
    out: _path_option("DIR", "Sweep folder.") = None,
    storage: _option(str | None, "Optuna RDB storage, e.g. postgresql://user@host/db "
                                 "(default: SWEEP_DIR/study.db).", metavar="URL") = None,
    join: _option(bool, "Add this machine as a worker to a study others also run.", "--join")
    = False,
    json_: JsonOption = False,
):
    """Search hyperparameters with Optuna; each trial is a run folder in the sweep folder.

    Writes trials.jsonl and best.yaml (a config to train as is); the same command again
    continues the study. Exit code 0 when at least one trial completed.
    """
    from simplegrad_cli.sweep.runner import run_sweep
    given = {"trials": trials, "jobs": jobs, "study": study, "out": out}
    options = [(f"--{key}", key, value) for key, value in given.items() if value is not None]
    return run_sweep(source, search, set_, options, storage, join, json_)


@app.command(
    cls=_Command, epilog="Examples: simplegrad predict runs/digits/best.npz digit.png drawings/; "
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
    from simplegrad_cli.commands.predict import predict as run_predict
    return run_predict(checkpoint, inputs or [], data, split, top_k, json_, out)


@app.command(
    cls=_Command, epilog="Examples: simplegrad plot runs/spirals; simplegrad plot runs/a runs/b "
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
):
    """Draw the learning curves of one or more runs, overlaid (works on a running run)."""
    from simplegrad_cli.commands.plot import plot as run_plot
    from simplegrad_cli.run.metrics_log import X_AXES
    if x not in X_AXES:
        raise _bad(f"must be one of {', '.join(X_AXES)}, got {x!r}", "--x")
    return run_plot(runs, metric, x, out, json_)


@app.command(cls=_Command, epilog="Example: simplegrad compare runs/lr_small runs/lr_large --json")
def compare(
    runs: _argument(list[str], "RUN", "Run folders (runs/NAME)."),
    json_: JsonOption = False,
):
    """Compare runs: best and final metric, epochs, time, parameters, and the config keys
    whose values differ."""
    from simplegrad_cli.commands.plot import compare as run_compare
    return run_compare(runs, json_)


def main():
    """Console-script entry point (`simplegrad = "simplegrad_cli.main:main"`)."""
    app()
