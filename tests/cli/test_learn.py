"""`simplegrad learn start/check`: every stub fails its task, the library's own pieces pass every
task, common wrong answers fail with a hint, and a user's mistake is one line with exit code 2."""
import shutil
import textwrap
from pathlib import Path

import pytest
from cli_helpers import one_line

from simplegrad_cli.learn.grader import grade
from simplegrad_cli.learn.tasks import FILES, TASKS

REFERENCE = {  # each stub file written with the library's own pieces: the answers
    "engine.py": "from simplegrad.autograd import _topological_order as topological_order\n"
                 "from simplegrad.autograd import _unbroadcast as unbroadcast\n",
    "ops.py": "from simplegrad.ops.elementwise import Mul, ReLU\n"
              "from simplegrad.ops.linalg import MatMul\n"
              "from simplegrad.ops.reduce import Sum\n"
              "from simplegrad.ops.softmax import CrossEntropy\n"
              "mul_backward, sum_backward, relu_backward = Mul.backward, Sum.backward, "
              "ReLU.backward\n"
              "matmul_backward, cross_entropy_backward = MatMul.backward, CrossEntropy.backward\n",
    "layers.py": "from simplegrad.nn import Linear\n",
    "optim.py": "from simplegrad.optim import SGD, Adam\n"
                "sgd_update, adam_update = SGD._update, Adam._update\n",
}


def status_lines(stdout):
    return [line for line in stdout.splitlines() if line.startswith("task")]


def test_start_lays_out_the_stubs_and_each_stub_fails_its_task(cli, workdir):
    result = cli("learn", "start", "mywork")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (workdir / "mywork").iterdir()) == sorted(["README.md", *FILES])
    readme = (workdir / "mywork" / "README.md").read_text()
    assert "simplegrad learn check mywork --task 1" in readme
    assert all(f"`{task.file}`: `{task.name}`" in readme for task in TASKS)
    result = cli("learn", "check", "mywork")
    assert result.exit_code == 1
    lines = status_lines(result.stdout)
    assert len(lines) == len(TASKS) and all(line.endswith("not started") for line in lines)
    assert "0 of 10 done. Next: task 1 (engine.py: topological_order)." in result.stdout


def test_the_library_itself_passes_every_task(cli, workdir):
    (workdir / "answers").mkdir()
    for name, text in REFERENCE.items():
        (workdir / "answers" / name).write_text(text)
    result = cli("learn", "check", "answers")
    assert result.exit_code == 0, result.stdout
    assert [line.split()[-1] for line in status_lines(result.stdout)] == ["done"] * len(TASKS)
    assert "10 of 10 done." in result.stdout
    result = cli("learn", "check", "answers", "--task", "3")
    assert result.exit_code == 0 and len(status_lines(result.stdout)) == 1


def test_an_answer_written_from_the_docstrings_passes_every_task(cli, workdir):
    """Not the library's code: the grader checks behaviour, not a way of writing it."""
    answers = workdir / "answers"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "learn_solution", answers)
    result = cli("learn", "check", str(answers))
    assert result.exit_code == 0, result.stdout
    assert "10 of 10 done." in result.stdout


def test_grading_restores_the_library():
    """Grading puts a piece in place of the library's and restores the library after."""
    from simplegrad import autograd
    from simplegrad.ops.elementwise import Mul
    before = autograd._topological_order, Mul.__dict__["backward"], Mul.built_in

    def broken(ctx, grad):
        raise ValueError("boom")

    assert grade(TASKS[2], broken).problem == "ValueError: boom"
    assert grade(TASKS[0], lambda root: []).status == "failed"
    assert (autograd._topological_order, Mul.__dict__["backward"], Mul.built_in) == before


def test_an_answer_that_never_ends_fails_its_case(monkeypatch):
    from simplegrad_cli.learn import grader
    monkeypatch.setattr(grader, "TIME_LIMIT", 0.2)

    def forever(root):
        while True:
            pass

    result = grade(TASKS[0], forever)
    assert (result.status, result.problem) == ("failed", "no answer after 0.2 s")


WRONG = {  # (task, a plausible wrong answer, words its report must contain)
    "pre-order": (1, """
        from simplegrad.autograd import Function

        def topological_order(root):  # marks a node done when first seen
            order, seen, stack = [], set(), [root]
            while stack:
                node = stack.pop()
                if node not in seen:
                    seen.add(node)
                    order.append(node)
                    stack.extend(n for n in node.next_functions if isinstance(n, Function))
            return order
        """, "before that gradient reaches it"),
    "recursive": (1, """
        from simplegrad.autograd import Function

        def topological_order(root):
            order, seen = [], set()
            def visit(node):
                if node not in seen:
                    seen.add(node)
                    for n in node.next_functions:
                        if isinstance(n, Function):
                            visit(n)
                    order.append(node)
            visit(root)
            return order[::-1]
        """, "RecursionError"),
    "writes into grad": (3, """
        def mul_backward(ctx, grad):
            a, b = ctx.saved_tensors
            grad *= b
            return grad, None
        """, "read-only"),
    "one step count for all parameters": (10, """
        import numpy as np

        def adam_update(self, param, grad, state, group):
            self.t = getattr(self, "t", 0) + 1  # counts calls, not this parameter's steps
            b1, b2 = group["betas"]
            m = state.setdefault("exp_avg", np.zeros_like(param))
            v = state.setdefault("exp_avg_sq", np.zeros_like(param))
            m *= b1; m += (1 - b1) * grad
            v *= b2; v += (1 - b2) * grad * grad
            t = self.t
            param -= group["lr"] / (1 - b1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** t)
                                                        + group["eps"])
        """, "each parameter counts its own steps"),
}


@pytest.mark.parametrize("answer", WRONG)
def test_a_wrong_answer_fails_its_task_with_a_hint(answer, cli, workdir):
    number, code, words = WRONG[answer]
    task = TASKS[number - 1]
    assert cli("learn", "start", "work").exit_code == 0
    (workdir / "work" / task.file).write_text(textwrap.dedent(code))
    result = cli("learn", "check", "work", "--task", str(number))
    assert result.exit_code == 1
    assert status_lines(result.stdout)[0].endswith("failed")
    assert "case:" in result.stdout and "hint:" in result.stdout and words in result.stdout


def test_a_file_that_does_not_load_fails_its_tasks_only(cli, workdir):
    assert cli("learn", "start", "work").exit_code == 0
    (workdir / "work" / "ops.py").write_text("def mul_backward(ctx, grad)\n")
    (workdir / "work" / "engine.py").write_text(REFERENCE["engine.py"].splitlines()[0])
    result = cli("learn", "check", "work")
    assert result.exit_code == 1
    assert result.stdout.count("ops.py does not load: SyntaxError") == 5
    assert "got: engine.py defines no unbroadcast" in result.stdout
    assert [line.split()[-1] for line in status_lines(result.stdout)] == \
        ["done", "failed"] + ["failed"] * 5 + ["started"] * 3


@pytest.mark.parametrize("args, words", [
    (["learn", "check", "missing"], "missing: no such folder"),
    (["learn", "check", "empty"], "empty: not a learning folder: engine.py, layers.py"),
    (["learn", "check", "work", "--task", "11"], "--task"),
    (["learn", "check", "work", "--task", "0"], "--task"),
    (["learn", "check", "work", "--task", "x"], "--task"),
    (["learn", "start", "work"], "work: is not empty"),
    (["learn", "start", "a_file"], "a_file: exists and is not a folder"),
    (["learn", "start", "no/such/parent"], "does not exist"),
    (["learn"], "missing command"),
])
def test_a_users_mistake_is_one_line_with_exit_code_2(args, words, cli, workdir):
    (workdir / "empty").mkdir()
    (workdir / "a_file").write_text("mine")
    assert cli("learn", "start", "work").exit_code == 0
    before = sorted(p.name for p in (workdir / "work").iterdir())
    result = cli(*args)
    assert result.exit_code == 2
    assert words in one_line(result)
    assert sorted(p.name for p in (workdir / "work").iterdir()) == before  # nothing written
    assert (workdir / "a_file").read_text() == "mine" and not list((workdir / "empty").iterdir())


def test_start_fills_an_empty_folder(cli, workdir):
    (workdir / "here").mkdir()
    assert cli("learn", "start", "here").exit_code == 0
    assert sorted(p.name for p in (workdir / "here").iterdir()) == sorted(["README.md", *FILES])
