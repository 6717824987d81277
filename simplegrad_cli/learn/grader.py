"""Grade a learning folder: each of the student's pieces in place of the library's own, in
memory, through its task's cases, saying what happened (with a hint when a case fails)."""
import contextlib
import signal
import textwrap
import threading
from dataclasses import dataclass
from unittest import mock

from simplegrad_cli.learn import cases  # noqa: F401  (registers the cases)
from simplegrad_cli.learn.checks import CASES, Wrong
from simplegrad_cli.learn.tasks import TASKS

TIME_LIMIT = 60  # seconds per case: an answer that never ends fails instead of hanging


@dataclass(frozen=True)
class Result:
    task: object
    status: str  # "done", "not started" or "failed"
    case: object = None  # the case that failed
    problem: str = ""  # what it saw

    @property
    def done(self):
        return self.status == "done"


def substituted(task, piece):
    """The library uses `piece` in place of its own while the block runs. A substituted op
    backward is treated as a custom op's, whose `grad` is read-only (hooks.read_only)."""
    if not task.substitute:
        return contextlib.nullcontext()
    owner, attribute = task.library_piece()
    original = owner.__dict__[attribute]
    changes = {attribute: staticmethod(piece) if isinstance(original, staticmethod) else piece}
    if "built_in" in owner.__dict__:
        changes["built_in"] = False
    return mock.patch.multiple(owner, **changes)  # restores the originals on the way out


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    """Raise _TooSlow in the block after `seconds` (where the platform has SIGALRM; only in the
    main thread, which is where the command runs)."""
    main = threading.current_thread() is threading.main_thread()
    if not (main and hasattr(signal, "setitimer")):
        yield
        return

    def expired(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade(task, piece):
    """The Result of `task` for the student's `piece` (or a string saying why it is missing)."""
    if isinstance(piece, str):
        return Result(task, "failed", None, piece)
    with substituted(task, piece):
        for number, case in enumerate(CASES[task.number]):
            try:
                with time_limit(TIME_LIMIT):
                    case.run(piece)
            except NotImplementedError:
                if number == 0:
                    return Result(task, "not started")
                return Result(task, "failed", case, f"{task.name} raised NotImplementedError")
            except Wrong as wrong:
                return Result(task, "failed", case, str(wrong))
            except _TooSlow:
                return Result(task, "failed", case, f"no answer after {TIME_LIMIT} s")
            except RecursionError:
                return Result(task, "failed", case, "RecursionError: maximum recursion depth "
                                                    "exceeded")
            except Exception as error:  # the student's code may raise anything: report it
                return Result(task, "failed", case, f"{type(error).__name__}: {error}")
    return Result(task, "done")


def grade_all(pieces, only=None):
    """Results for every task (or only task number `only`), pieces being {task name: piece}."""
    return [grade(task, pieces[task.name]) for task in TASKS if only in (None, task.number)]


def report(results):
    """The results as text: one line per task, the failing case with its hint, a summary."""
    lines = []
    for result in results:
        task = result.task
        lines.append(f"task {task.number:2d}  {task.title:<24} {task.where:<38} {result.status}")
        if result.status == "failed":
            case = result.case
            for word, text in (("case", case and case.title), ("got", result.problem),
                               ("hint", case and case.hint)):
                if text:
                    lines.append(textwrap.fill(text, 100, initial_indent=f"{word:>10}: ",
                                               subsequent_indent=" " * 12))
    done = sum(result.done for result in results)
    todo = [result.task for result in results if not result.done]
    if not todo:
        lines.append(f"{done} of {len(results)} done." + (
            " You have written the heart of an autodiff engine." if len(results) == len(TASKS)
            else ""))
    else:
        lines.append(f"{done} of {len(results)} done. Next: task {todo[0].number} "
                     f"({todo[0].where}).")
    return "\n".join(lines)
