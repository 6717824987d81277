"""`simplegrad learn start DIR` and `simplegrad learn check DIR [--task N]` (Typer wiring only;
the library is imported by `check`, so `--help` stays instant)."""
from typing import Annotated

import typer

from simplegrad_cli.learn.tasks import TASKS

learn_app = typer.Typer(
    name="learn", invoke_without_command=True,
    help="Write the engine's key pieces yourself (topological order, unbroadcast, op backwards, "
         "SGD, Adam, Linear) and have them graded, task by task.")


@learn_app.callback()
def _learn(ctx: typer.Context):
    if ctx.invoked_subcommand is None:  # plain `simplegrad learn`: show the help
        from simplegrad_cli.errors import CliError
        typer.echo(ctx.get_help())
        raise CliError("simplegrad learn: error: missing command: start or check (see "
                       "'simplegrad learn --help')")

Folder = Annotated[str, typer.Argument(metavar="DIR", help="Your learning folder.")]


@learn_app.command(epilog="Example: simplegrad learn start mywork")
def start(folder: Folder):
    """Lay out the stubs to fill in, and a README listing the tasks, in a new (or empty) DIR."""
    from simplegrad_cli.learn.workspace import start as lay_out
    names = lay_out(folder)
    typer.echo(f"wrote {', '.join(names)} to {folder}\n"
               f"start with task 1 in {folder}/engine.py, then run: "
               f"simplegrad learn check {folder} --task 1")


@learn_app.command(epilog="Example: simplegrad learn check mywork --task 1")
def check(
    folder: Folder,
    task: Annotated[int | None, typer.Option(
        "--task", metavar="N", min=1, max=len(TASKS),
        help=f"Check only task N (1 to {len(TASKS)}).")] = None,
):
    """Grade your pieces: each runs in place of the library's own through real graphs and
    gradient checks. Exit code 1 until every task checked is done."""
    from simplegrad_cli.errors import CHECK_FAILED, OK
    from simplegrad_cli.learn.grader import grade_all, report
    from simplegrad_cli.learn.workspace import load
    results = grade_all(load(folder), only=task)
    typer.echo(report(results))
    return OK if all(result.done for result in results) else CHECK_FAILED
