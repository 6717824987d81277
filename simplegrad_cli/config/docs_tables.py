"""The docs' generated tables (a test fails when one is stale): docs/config.md's layers, losses,
optimizers and schedulers from the registry and schema, docs/data.md's data sources and their
options from the library's SourceSpecs.
Regenerate: python -m simplegrad_cli.config.docs_tables docs/config.md docs/data.md"""
import re
import sys
from pathlib import Path

from simplegrad.data.loading import all_options, sources

from simplegrad_cli.config import registry, schema
from simplegrad_cli.config.validation import expectation

_REGION = re.compile(r"(<!-- generated: ([\w-]+) -->\n).*?(<!-- end generated -->)", re.S)


def _value(value):
    """A default as a config file would write it."""
    if value is schema.REQUIRED:
        return "required"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return f"`{value}`" if isinstance(value, list) else str(value)


def _builds(entry):
    """`nn.Linear`, `F.mse_loss`, `optim.lr_scheduler.StepLR`: the public name of a class."""
    module = entry.builds.__module__
    if module.startswith("simplegrad.nn.") and module.endswith("functional"):
        module = "simplegrad.nn.functional"  # nn/losses_functional.py etc. are re-exported as F
    prefix = {"simplegrad.nn.functional": "F", "simplegrad.optim.lr_scheduler":
              "optim.lr_scheduler"}.get(module, module.split(".")[-2 if "." in module else 0])
    return f"`{prefix}.{entry.builds.__name__}`"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def _arguments(fields_by_name):
    """One row per argument: name (on its first row), key, type, default, meaning."""
    rows = [[f"`{name}`" if index == 0 else "", f"`{key}`",
             re.sub(r"^an? ", "", expectation(field)), _value(field.default), field.doc]
            for name, fields in fields_by_name.items()
            for index, (key, field) in enumerate(fields.items())]
    return _table(["name", "key", "type", "default", "meaning"], rows)


def _summary(entries, inputs=False):
    """One row per name: what it builds and does (and, for layers, the input it takes)."""
    rows = [[f"`{name}`", _builds(entry), entry.doc] +
            ([entry.input.text if entry.input.ndims is None else f"`{entry.input.text}`"]
             if inputs else [])
            for name, entry in entries.items()]
    return _table(["name", "builds", "what it does"] + ["input per sample"] * inputs, rows)


def tables():
    """The generated markdown of each region, by region name."""
    return {"layers": _summary(registry.LAYERS, inputs=True) + "\n" +
            _arguments(schema.layer_fields()),
            "losses": _summary(registry.LOSSES),
            "optimizers": _summary(registry.OPTIMIZERS) + "\n" + _arguments(schema.OPTIMIZERS),
            "schedulers": _summary(registry.SCHEDULERS) + "\n" + _arguments(schema.SCHEDULERS),
            "sources": _table(["source", "what it reads", "network"],
                              [[spec.doc, spec.reads, "yes" if spec.network else "no"]
                               for spec in sources()]),
            "source-options": _table(["option", "applies to", "meaning"], [
                [f"`{name}`", ", ".join(s.kind for s in sources() if name in s.options) or "all",
                 option.doc] for name, option in all_options().items()])}


def render(markdown):
    """`markdown` with every `<!-- generated: NAME -->` region replaced by its fresh table."""
    generated = tables()
    return _REGION.sub(lambda m: m.group(1) + generated[m.group(2)] + m.group(3), markdown)


if __name__ == "__main__":
    for markdown in map(Path, sys.argv[1:]):
        markdown.write_text(render(markdown.read_text(encoding="utf-8")), encoding="utf-8")
