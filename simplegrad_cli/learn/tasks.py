"""The tasks of the learning track: which stub a student writes, and which piece of the library
it stands in for (the library's own piece is the reference answer)."""
import pkgutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    number: int
    title: str
    file: str  # the stub file in the student's folder
    name: str  # the function or class to write in it
    library: str  # "module:Qualified.name" of the library's piece it stands in for
    substitute: bool = True  # put the student's piece in place of the library's while checking

    @property
    def where(self):
        return f"{self.file}: {self.name}"

    def library_piece(self):
        """(owner, attribute) of the library's piece: a module or class and a name in it."""
        owner, _, attribute = self.library.replace(":", ".").rpartition(".")
        return pkgutil.resolve_name(owner), attribute


TASKS = [
    Task(1, "topological order", "engine.py", "topological_order",
         "simplegrad.autograd:_topological_order"),
    Task(2, "unbroadcast", "engine.py", "unbroadcast", "simplegrad.autograd:_unbroadcast"),
    Task(3, "Mul backward", "ops.py", "mul_backward", "simplegrad.ops.elementwise:Mul.backward"),
    Task(4, "Sum backward", "ops.py", "sum_backward", "simplegrad.ops.reduce:Sum.backward"),
    Task(5, "ReLU backward", "ops.py", "relu_backward", "simplegrad.ops.elementwise:ReLU.backward"),
    Task(6, "MatMul backward", "ops.py", "matmul_backward",
         "simplegrad.ops.linalg:MatMul.backward"),
    Task(7, "cross-entropy backward", "ops.py", "cross_entropy_backward",
         "simplegrad.ops.softmax:CrossEntropy.backward"),
    Task(8, "Linear layer", "layers.py", "Linear", "simplegrad.nn:Linear", substitute=False),
    Task(9, "SGD step", "optim.py", "sgd_update", "simplegrad.optim.sgd:SGD._update"),
    Task(10, "Adam step", "optim.py", "adam_update", "simplegrad.optim.adam:Adam._update"),
]

FILES = sorted({task.file for task in TASKS})


def task_table():
    """The tasks as a markdown table (for the folder's README)."""
    rows = ["| task | what | write it in |", "|---|---|---|"]
    rows += [f"| {t.number} | {t.title} | `{t.file}`: `{t.name}` |" for t in TASKS]
    return "\n".join(rows)
