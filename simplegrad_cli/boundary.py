"""Between the command line and the commands: every error ends as one line on stderr (and a
JSON object with --json) with its documented exit code, a traceback only with --debug; help
that reads cleanly at 80 columns. Typer and click are extended through the classes they let a
program pass in (`cls=`)."""
import json
import signal
import sys
import traceback
import warnings

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from simplegrad_cli import interrupted_while_starting
from simplegrad_cli.errors import CHECK_FAILED, INTERRUPTED, INTERRUPTED_LINE, USAGE, CliError, \
    Interrupted
from simplegrad_cli.ui.console import error_line, one_line
from simplegrad_cli.ui.pipe_safe import PipeSafeStdout, guard_stderr


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
    """Help without type noise: flags show no `<bool>`, arguments no `<str>`. The one use of
    a Typer detail no public API offers: its rich help asks each parameter for
    `display_type_rich` (typer 0.12 to 0.29); should that change, help shows the types again,
    nothing else."""
    for param in params:
        if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
            param.display_type_rich = lambda ctx: None
    return params


class Command(TyperCommand):
    """A command whose help reads cleanly at 80 columns (`eval CHECKPOINT`, not `{CHECKPOINT}`)."""

    def collect_usage_pieces(self, ctx):
        return [p.replace("{", "").replace("}", "") for p in super().collect_usage_pieces(ctx)]

    def get_params(self, ctx):
        return _plain_types(super().get_params(ctx))


class OneLineErrors(TyperGroup):
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
            code, message = report(error, args)
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


def report(error, args=()):
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
