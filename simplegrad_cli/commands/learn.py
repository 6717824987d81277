"""`simplegrad learn start DIR` and `simplegrad learn check DIR [--task N]`: the learning track,
where a student writes the engine's key pieces and has them graded, task by task."""
from simplegrad_cli.errors import CHECK_FAILED, OK
from simplegrad_cli.ui.console import say
from simplegrad_cli.ui.report import Report


def run(options):
    """`options.action` is "start" (lay out the stubs) or "check" (grade them)."""
    if options.action == "start":
        from simplegrad_cli.learn.workspace import start
        names = start(options.folder)
        text = (f"wrote {', '.join(names)} to {options.folder}\nstart with task 1 in "
                f"{options.folder}/engine.py, then run: simplegrad learn check "
                f"{options.folder} --task 1")
        return Report({"folder": options.folder, "wrote": names}, lambda console: say(console, text))
    from simplegrad_cli.learn.grader import grade_all, report
    from simplegrad_cli.learn.workspace import load
    results = grade_all(load(options.folder), only=options.task)
    done = all(result.done for result in results)
    data = {"folder": options.folder, "done": done, "tasks": [
        {"task": r.task.number, "title": r.task.title, "where": r.task.where,
         "status": r.status, "problem": r.problem} for r in results]}
    return Report(data, lambda console: say(console, report(results)), OK if done else CHECK_FAILED)
