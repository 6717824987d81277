"""YAML config -> a validated `Config`, or one `FILE:LINE: key.path: problem` error line.

Validation is strict on purpose: unknown keys are errors (with the closest valid key
suggested), `epochs: "2"` is a string and therefore wrong, numbers must be in range, and names
of layers, optimizers, losses and schedulers must be ones we know. Shapes are checked later,
by `build.py`, which needs the data.
"""
import copy
import difflib
import math
import os
import re
from pathlib import Path

from simplegrad.data import sources

from simplegrad_cli import schema
from simplegrad_cli.errors import ConfigError
from simplegrad_cli.schema import REQUIRED, Choice, Field, Section
from simplegrad_cli.yaml_source import apply_override, dotted, parse_override, read_yaml_file

_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:")  # synthetic:, hf:, builtin: ... are not paths


def describe(value):
    """How a wrong value is shown in an error: `the string "2"`, `true`, `a list`, `3.5`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (no value)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{shown}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, (int, float)):
        return repr(value)
    return f"a {type(value).__name__} value"


def suggest(word, valid, list_all=False):
    """"did you mean 'x'?" for a near miss, else (or also, with list_all) the valid words."""
    valid = list(valid)
    guess = schema.ALIASES.get(str(word).lower())
    if guess not in valid:
        close = difflib.get_close_matches(str(word).lower(), valid, n=1, cutoff=0.6)
        guess = close[0] if close else None
    listing = ", ".join(valid)
    if not guess:
        return f"expected one of: {listing}"
    return f"did you mean '{guess}'? (valid: {listing})" if list_all else \
        f"did you mean '{guess}'?"


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range_text(field):
    """'>= 1', 'in (0, 10]' ... the allowed range of a numeric field in words."""
    low, high = field.minimum, field.maximum
    if low is not None and high is not None:
        return f"in {'(' if field.exclusive_minimum else '['}{low}, {high}]"
    if low is not None:
        return f"{'>' if field.exclusive_minimum else '>='} {low}"
    return f"<= {high}" if high is not None else ""


def expectation(field):
    """What a field accepts, in words: 'an integer in [1, 1000000]', 'true or false', ..."""
    text = {
        "int": "an integer", "number": "a number", "bool": "true or false",
        "string": "a string", "mapping": "a mapping of options",
        "numbers": f"a list of {field.length} numbers",
    }[field.kind]
    if field.choices:
        text = "one of: " + ", ".join(field.choices)
    elif field.kind in ("int", "number", "numbers") and _range_text(field):
        text += " " + _range_text(field)
    if field.nullable:
        text += " (or null)"
    return text


class _Checker:
    """Walks raw YAML data against the schema, filling defaults and raising the first error."""

    def __init__(self, origins, file):
        self.origins, self.file = origins, file

    def where(self, path):
        """'FILE:LINE' of a key path, or of its closest ancestor that has one."""
        path = tuple(path)
        while path and path not in self.origins:
            path = path[:-1]
        return self.origins.get(path, self.file)

    def fail(self, path, message):
        raise ConfigError(message, where=self.where(path), path=dotted(path))

    def check(self, spec, value, path):
        """Validate `value` against any kind of spec and return it with defaults filled in."""
        if isinstance(spec, Field):
            return self.field(spec, value, path)
        if isinstance(spec, Section):
            if value is None and spec.nullable:
                return None
            return self.mapping(spec.fields, value, path)
        if isinstance(spec, Choice):
            return self.choice(spec, value, path)
        return self.layers(spec, value, path)

    def default(self, spec, path):
        """The default of a key that was left out (nested sections get their own defaults)."""
        if isinstance(spec, Field) or spec.default is None:
            return copy.deepcopy(spec.default)
        return self.check(spec, copy.deepcopy(spec.default), path)

    def mapping(self, fields, value, path, what="keys", extra=()):
        """A mapping with the given fields: unknown keys and missing required keys are errors."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with {what} {', '.join(fields) or '(none)'},"
                            f" got {describe(value)}")
        out = {}
        for key, item in value.items():
            if key in extra:
                continue
            if key not in fields:
                self.fail(path + (key,), f"unknown key '{key}'; " + (
                    suggest(key, fields) if fields else f"{dotted(path)} takes no arguments"))
            out[key] = self.check(fields[key], item, path + (key,))
        for key, spec in fields.items():
            if key in out:
                continue
            if spec.default is REQUIRED:
                self.fail(path, f"missing required key '{key}' ({spec.doc})")
            out[key] = self.default(spec, path + (key,))
        return {key: out[key] for key in fields}  # schema order, for a tidy resolved config

    def field(self, field, value, path):
        if value is None:
            if field.nullable:
                return None
            self.fail(path, f"missing value; expected {expectation(field)}")
        kind = field.kind
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": _is_number(value),
            "bool": isinstance(value, bool),
            "string": isinstance(value, str),
            "mapping": isinstance(value, dict),
            "numbers": isinstance(value, list),
        }[kind]
        if not ok:
            self.fail(path, f"expected {expectation(field)}, got {describe(value)}"
                            + _type_hint(kind, value))
        if kind == "numbers":
            if len(value) != field.length or not all(_is_number(v) for v in value):
                self.fail(path, f"expected {expectation(field)}, got {value!r}")
            for index, item in enumerate(value):
                self.number_range(field, item, path + (index,))
            return [float(v) for v in value]
        if kind in ("int", "number"):
            self.number_range(field, value, path)
        if kind == "string":
            if not value.strip():
                self.fail(path, f"must not be empty; expected {expectation(field)}")
            if field.choices and value not in field.choices:
                self.fail(path, f"unknown value '{value}'; "
                                f"{suggest(value, field.choices, list_all=True)}")
        if kind == "mapping":
            return copy.deepcopy(value)
        return float(value) if kind == "number" else value

    def number_range(self, field, value, path):
        if isinstance(value, float) and not math.isfinite(value):  # (ints are always finite)
            self.fail(path, f"must be a finite number, got {value}")
        low, high = field.minimum, field.maximum
        too_low = low is not None and (value <= low if field.exclusive_minimum else value < low)
        if too_low or (high is not None and value > high):
            self.fail(path, f"must be {_range_text(field)}, got {value}")

    def choice(self, spec, value, path):
        """A mapping whose `name` picks the variant (`optimizer: {name: adam, lr: 1e-3}`)."""
        if value is None and spec.nullable:
            return None
        names = ", ".join(spec.variants)
        if isinstance(value, str):
            value = {"name": value}  # `scheduler: cosine` is short for `{name: cosine}`
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with a name ({names}) and its settings, "
                            f"got {describe(value)}")
        if "name" not in value:
            self.fail(path, f"missing required key 'name' (one of: {names})")
        name = value["name"]
        if not isinstance(name, str):
            self.fail(path + ("name",), f"expected one of: {names}, got {describe(name)}")
        if name not in spec.variants:
            self.fail(path + ("name",), f"unknown name '{name}'; "
                                        f"{suggest(name, spec.variants, list_all=True)}")
        fields = spec.variants[name]
        for key in value:
            if key != "name" and key not in fields:
                owners = [other for other, f in spec.variants.items() if key in f]
                also = f" ('{key}' is a setting of {', '.join(owners)})" if owners else ""
                self.fail(path + (key,), f"unknown key '{key}' for {name}; "
                                         f"{suggest(key, fields)}{also}")
        return {"name": name, **self.mapping(fields, value, path, extra=("name",))}

    def layers(self, spec, value, path):
        """The model list: each item is `name` or `{name: {arguments}}`."""
        example = "e.g. `- linear: {out: 10}` or `- relu`"
        if not isinstance(value, list) or not value:
            self.fail(path, f"expected a non-empty list of layers, {example}; got "
                            f"{describe(value)}")
        out = []
        for index, item in enumerate(value):
            here = path + (index,)
            if isinstance(item, str):
                name, args = item, None
            elif isinstance(item, dict) and len(item) == 1:
                (name, args), = item.items()
            elif isinstance(item, dict):
                known = [key for key in item if key in spec.layers]
                hint = (f"; indent the arguments of '{known[0]}' under it: "
                        f"`- {known[0]}: {{...}}`" if len(known) == 1 else "")
                self.fail(here, f"a layer is one name with its arguments ({example}), got "
                                f"keys {', '.join(map(str, item))}{hint}")
            else:
                self.fail(here, f"expected a layer, {example}; got {describe(item)}")
            if name not in spec.layers:
                self.fail(here, f"unknown layer '{name}'; "
                                f"{suggest(name, spec.layers, list_all=True)}")
            arg_spec = spec.layers[name]
            if args is None:
                args = {}
            if not isinstance(args, dict):
                takes = ", ".join(arg_spec) or "none"
                self.fail(here + (name,), f"expected a mapping of arguments ({takes}), "
                                          f"got {describe(args)}")
            out.append({name: self.mapping(arg_spec, args, here + (name,), what="arguments")})
        return out

    def source_options(self, data):
        """data.options keys must be source options (those of another kind of source are
        ignored, so --set data.source can switch sources); a data.* key put there
        (val_fraction, flatten...) would silently apply twice, so it is sent where it goes."""
        section = schema.SCHEMA.fields["data"].fields
        known = sorted(set(sources.OPTIONS) - set(section))
        for key in data["options"]:
            path = ("data", "options", key)
            if key in section:
                self.fail(path, f"'{key}' is not a source option; set it as data.{key} "
                                f"(next to data.options)")
            if key not in known:
                self.fail(path, f"unknown source option '{key}'; {suggest(key, known)}")
            value = data["options"][key]
            kind = _OPTION_KINDS.get(key)
            if kind is not None and value is not None and not _OPTION_CHECKS[kind](value):
                shown = f" {str(value)[:60]}" if isinstance(value, list) and value else ""
                self.fail(path, f"expected {kind}, got {describe(value)}{shown}")

    def cross_checks(self, values):
        """Rules that involve more than one key."""
        self.source_options(values["data"])
        optimizer = values["optimizer"]
        if optimizer.get("nesterov") and optimizer["momentum"] == 0:
            self.fail(("optimizer", "nesterov"), "Nesterov momentum needs optimizer.momentum > 0")
        normalize = values["data"]["normalize"]
        if normalize is not None and normalize[1] == 0:
            self.fail(("data", "normalize", 1), "the std must not be 0; expected [mean, std]")
        metric = values["train"]["metric"]
        if metric.startswith("val_") and values["data"]["val_fraction"] == 0:
            explicit_metric = ("train", "metric") in self.origins
            path = ("train", "metric") if explicit_metric else ("data", "val_fraction")
            self.fail(path, f"train.metric is {metric} but data.val_fraction is 0, so there is "
                            "no validation set; set data.val_fraction > 0 or train.metric to "
                            "train_accuracy or train_loss")


# The types of the hub/local source options (the synthetic ones are checked by their source);
# a list where a name belongs once reached `datasets` as "unhashable type: 'list'".
_OPTION_CHECKS = {
    "a string": lambda v: isinstance(v, str) and v.strip() != "",
    "true or false": lambda v: isinstance(v, bool),
    "a column name or a list of them": lambda v: (isinstance(v, str) and v.strip() != "") or (
        isinstance(v, list) and bool(v) and all(isinstance(item, str) for item in v)),
}
_OPTION_KINDS = {**dict.fromkeys(["config_name", "revision", "image_column", "label_column",
                                  "cache_dir", "hf_cache_dir"], "a string"),
                 "use_cache": "true or false", "feature_columns": "a column name or a list of them"}


def _type_hint(kind, value):
    """A short fix-it for the most common type mistakes (quoted numbers, yes/no)."""
    if not isinstance(value, str):
        return ""
    text = value.strip().lower()
    if kind in ("int", "number"):
        try:
            float(text)
            return "; write the number without quotes"
        except ValueError:
            return ""
    if kind == "bool" and text in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        return "; write true or false without quotes"
    return ""


class Config:
    """A validated config: `values` (plain, JSON-able dict) plus where each key came from."""

    def __init__(self, values, origins, file, name):
        self.values, self.origins, self.file, self.name = values, origins, file, name

    def where(self, path):
        """'FILE:LINE' where a key path was set (or its closest ancestor)."""
        return _Checker(self.origins, self.file).where(path)

    def error(self, path, message):
        """A ConfigError pointing at `path`, for problems found after validation (shapes)."""
        return ConfigError(message, where=self.where(path), path=dotted(path))

    def to_yaml(self):
        """The resolved config as YAML text (what --print-config shows and runs store)."""
        from simplegrad_cli.display import to_yaml

        return to_yaml(self.values)


def validate(data, origins, file, name):
    """Check raw YAML data against the schema; returns a Config or raises ConfigError."""
    checker = _Checker(origins, file)
    if data is None:
        checker.fail((), "the config is empty; expected a mapping with keys "
                         + ", ".join(schema.SCHEMA.fields))
    values = checker.check(schema.SCHEMA, data, ())
    checker.cross_checks(values)
    return Config(values, origins, file, name)


def load_config(file, overrides=(), shortcuts=()):
    """Read, override and validate a config file.

    overrides: 'key.path=value' strings from --set; shortcuts: (origin, path, value) triples
    from options such as --epochs, applied last.
    """
    data, origins = read_yaml_file(file)
    data, origins = apply_all(data, origins, str(file), overrides, shortcuts)
    return validate(data, origins, str(file), Path(str(file)).stem)


def apply_all(data, origins, file, overrides=(), shortcuts=()):
    """Apply --set overrides and option shortcuts to raw data (checking the root first)."""
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"expected a mapping with keys {', '.join(schema.SCHEMA.fields)}, "
                          f"got {describe(data)}", where=origins.get((), file))
    for text in overrides:
        path, value = parse_override(text)
        data = apply_override(data, origins, path, value)
    for origin, path, value in shortcuts:
        data = apply_override(data, origins, path, value, origin=origin)
    return data, origins


def absolute_source(source):
    """A local path as an absolute path (so eval/resume work from any folder); any other
    source (synthetic:NAME, a hub id) unchanged."""
    if _SCHEME.match(source) or sources.source_kind(source) != "local":
        return source
    return os.path.abspath(os.path.expanduser(source))
