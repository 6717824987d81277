"""YAML config -> a validated `Config`, or one `FILE:LINE: key.path: problem` error line.
Strict on purpose: unknown keys (the closest valid one suggested), `epochs: "2"` (a string),
numbers out of range and unknown names are errors; `build.py` checks the shapes."""
import copy
import difflib
import math
from pathlib import Path

from simplegrad.data import find_source
from simplegrad.data.loading import all_options

from simplegrad_cli.config import registry, schema
from simplegrad_cli.config.extends import read_config_file
from simplegrad_cli.config.schema import REQUIRED, Choice, Field, LayerList, Section
from simplegrad_cli.config.yaml_source import apply_override, dotted, parse_override, to_yaml
from simplegrad_cli.errors import ConfigError
from simplegrad_cli.redact import redact

_TYPES = {"int": int, "number": (int, float), "bool": bool, "string": str, "mapping": dict,
          "numbers": list, "shape": list, "names": list}


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
        guess = (difflib.get_close_matches(str(word).lower(), valid, n=1) or [None])[0]
    listing = ", ".join(valid)
    if not guess:
        return f"expected one of: {listing}"
    return f"did you mean '{guess}'?" + (f" (valid: {listing})" if list_all else "")


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
    text = {"int": "an integer", "number": "a number", "bool": "true or false",
            "string": "a string", "mapping": "a mapping of options",
            "numbers": f"a list of {field.length} numbers",
            "shape": f"a list of 1 to {field.length} integers",
            "names": f"a list of names ({', '.join(field.choices or ())})"}[field.kind]
    if field.choices and field.kind != "names":
        text = "one of: " + ", ".join(field.choices)
    elif field.kind in ("int", "number", "numbers", "shape") and _range_text(field):
        text += " " + _range_text(field)
    return text + " (or null)" if field.nullable else text


def _type_hint(kind, value):
    """A short fix-it for the most common type mistakes (quoted numbers, yes/no)."""
    text = value.strip().lower() if isinstance(value, str) else None
    if kind in ("int", "number") and text is not None:
        try:
            float(text)
            return "; write the number without quotes"
        except ValueError:
            pass
    if kind == "names" and text:
        return f"; write a list: [{value.strip()}]"
    if kind == "bool" and text in ("true", "false", "yes", "no", "on", "off", "1", "0"):
        return "; write true or false without quotes"
    return ""


class Config:
    """A config's `values` (plain, JSON-able; filled in by validation) and where each key came
    from; its methods walk raw YAML data against the schema, raising the first error."""

    def __init__(self, origins, file, name=None):
        self.values, self.origins, self.file, self.name = None, origins, file, name

    def where(self, path):
        """'FILE:LINE' where a key path was set (or its closest ancestor)."""
        path = tuple(path)
        while path and path not in self.origins:
            path = path[:-1]
        return self.origins.get(path, self.file)

    def fail(self, path, message):
        """Raise a ConfigError pointing at `path` (also for problems found later, in build)."""
        raise ConfigError(message, where=self.where(path), path=dotted(path))

    def to_yaml(self):
        """The resolved config as YAML text (what --print-config shows and runs store)."""
        return to_yaml(self.values)

    def check(self, spec, value, path):
        """Validate `value` against any kind of spec and return it with defaults filled in."""
        if value is None and spec.nullable:
            return None
        if isinstance(spec, Section):
            return self.mapping(spec.fields, value, path)
        checks = {Field: self.field, Choice: self.choice, LayerList: self.layers}
        return checks[type(spec)](spec, value, path)

    def mapping(self, fields, value, path, what="keys"):
        """A mapping with the given fields: unknown keys and missing required keys are errors."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with {what} {', '.join(fields) or '(none)'},"
                            f" got {describe(value)}")
        out = {}
        for key, item in value.items():
            if key not in fields:
                self.fail(path + (key,), f"unknown key '{key}'; " + (
                    suggest(key, fields) if fields else f"{dotted(path)} takes no arguments"))
            out[key] = self.check(fields[key], item, path + (key,))
        for key, spec in fields.items():
            if key not in out and spec.default is REQUIRED:
                self.fail(path, f"missing required key '{key}' ({spec.doc})")
            if key not in out:  # the default, itself checked (a section fills in its own)
                out[key] = self.check(spec, copy.deepcopy(spec.default), path + (key,))
        return {key: out[key] for key in fields}  # schema order, for a tidy resolved config

    def field(self, field, value, path):
        """A scalar or list value of the field's kind, in range, as its Python type."""
        kind = field.kind
        if value is None:
            self.fail(path, f"missing value; expected {expectation(field)}")
        # a bool is an int to Python, but never to a config
        if isinstance(value, bool) != (kind == "bool") or not isinstance(value, _TYPES[kind]):
            self.fail(path, f"expected {expectation(field)}, got {describe(value)}"
                            + _type_hint(kind, value))
        if kind in ("numbers", "shape"):  # a shape: 1 to `length` integers
            items = int if kind == "shape" else (int, float)
            count = len(value) == field.length if kind == "numbers" else \
                1 <= len(value) <= field.length
            if not count or not all(isinstance(v, items) and not isinstance(v, bool)
                                    for v in value):
                self.fail(path, f"expected {expectation(field)}, got {value!r}")
            for index, item in enumerate(value):
                self.number_range(field, item, path + (index,))
            return [float(v) for v in value] if kind == "numbers" else list(value)
        if kind == "names":
            return self.names(field, value, path)
        if kind in ("int", "number"):
            self.number_range(field, value, path)
        if kind == "string" and not value.strip():
            self.fail(path, f"must not be empty; expected {expectation(field)}")
        if kind == "string" and field.choices and value not in field.choices:
            self.fail(path, f"unknown value '{value}'; "
                            f"{suggest(value, field.choices, list_all=True)}")
        return float(value) if kind == "number" else copy.deepcopy(value)

    def names(self, field, value, path):
        """A list of distinct names, each one of the field's choices."""
        for index, name in enumerate(value):
            if not isinstance(name, str):
                self.fail(path + (index,), f"expected one of: {', '.join(field.choices)}, got "
                                           f"{describe(name)}")
            if name not in field.choices:
                self.fail(path + (index,), f"unknown value '{name}'; "
                                           f"{suggest(name, field.choices, list_all=True)}")
            if name in value[:index]:
                self.fail(path + (index,), f"'{name}' is listed twice")
        return list(value)

    def number_range(self, field, value, path):
        """Fail unless `value` is finite and within the field's range."""
        if isinstance(value, float) and not math.isfinite(value):  # (ints are always finite)
            self.fail(path, f"must be a finite number, got {value}")
        low, high = field.minimum, field.maximum
        too_low = low is not None and (value <= low if field.exclusive_minimum else value < low)
        if too_low or (high is not None and value > high):
            self.fail(path, f"must be {_range_text(field)}, got {value}")

    def choice(self, spec, value, path):
        """A mapping whose `name` picks the variant (`optimizer: {name: adam, lr: 1e-3}`)."""
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
        settings = {key: item for key, item in value.items() if key != "name"}
        for key in [key for key in settings if key not in fields]:  # first in the file first
            owners = [other for other, f in spec.variants.items() if key in f]
            also = f" ('{key}' is a setting of {', '.join(owners)})" if owners else ""
            self.fail(path + (key,), f"unknown key '{key}' for {name}; "
                                     f"{suggest(key, fields)}{also}")
        return {"name": name, **self.mapping(fields, settings, path)}

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
                item = {item: None}  # `- relu` is short for `- relu: {}`
            if isinstance(item, dict) and len(item) > 1:
                known = [key for key in item if key in spec.layers]
                hint = (f"; indent the arguments of '{known[0]}' under it: "
                        f"`- {known[0]}: {{...}}`" if len(known) == 1 else "")
                self.fail(here, f"a layer is one name with its arguments ({example}), got "
                                f"keys {', '.join(map(str, item))}{hint}")
            if not isinstance(item, dict) or not item:
                self.fail(here, f"expected a layer, {example}; got {describe(item)}")
            (name, args), = item.items()
            if name not in spec.layers:
                self.fail(here, f"unknown layer '{name}'; "
                                f"{suggest(name, spec.layers, list_all=True)}")
            arg_spec = spec.layers[name]
            args = {} if args is None else args
            if not isinstance(args, dict):
                takes = ", ".join(arg_spec) or "none"
                self.fail(here + (name,), f"expected a mapping of arguments ({takes}), "
                                          f"got {describe(args)}")
            args = self.mapping(arg_spec, args, here + (name,), what="arguments")
            problem = registry.LAYERS[name].check(args)
            if problem:
                key, message = problem
                self.fail(here + (name,) + ((key,) if key else ()), message)
            out.append({name: args})
        return out

    def cross_checks(self):
        """Rules that involve more than one key."""
        values, data = self.values, self.values["data"]
        self.no_secrets(values, ())
        # data.options keys must be source options (those of another kind of source are
        # ignored, so --set data.source can switch sources); a data.* key put there
        # (val_fraction, flatten...) would silently apply twice, so it is sent where it goes.
        section = schema.SCHEMA.fields["data"].fields
        options = all_options()
        known = sorted(set(options) - set(section))
        for key, value in data["options"].items():
            path = ("data", "options", key)
            if key in section:
                self.fail(path, f"'{key}' is not a source option; set it as data.{key} "
                                f"(next to data.options)")
            if key not in known:
                self.fail(path, f"unknown source option '{key}'; {suggest(key, known)}")
            option = options[key]
            if option.check is not None and value is not None and not option.check(value):
                shown = f" {str(value)[:60]}" if isinstance(value, list) and value else ""
                self.fail(path, f"expected {option.expected}, got {describe(value)}{shown}")
        optimizer = values["optimizer"]
        if optimizer.get("nesterov") and optimizer["momentum"] == 0:
            self.fail(("optimizer", "nesterov"), "Nesterov momentum needs optimizer.momentum > 0")
        if data["normalize"] is not None and data["normalize"][1] == 0:
            self.fail(("data", "normalize", 1), "the std must not be 0; expected [mean, std]")
        metric = values["train"]["metric"]
        if metric.startswith("val_") and data["val_fraction"] == 0:
            explicit_metric = ("train", "metric") in self.origins
            self.fail(("train", "metric") if explicit_metric else ("data", "val_fraction"),
                      f"train.metric is {metric} but data.val_fraction is 0, so there is no "
                      "validation set; set data.val_fraction > 0 or train.metric to "
                      "train_accuracy or train_loss")

    def no_secrets(self, value, path):
        """No password or token in any value: a run keeps its config (config.yaml, every
        checkpoint) and sends it to its trackers, so credentials belong in the environment."""
        if isinstance(value, dict):
            for key, item in value.items():
                self.no_secrets(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.no_secrets(item, path + (index,))
        elif isinstance(value, str) and redact(value) != value:
            self.fail(path, "holds a password or token, which a run would store (config.yaml, "
                            "checkpoints, trackers); give credentials in the environment instead "
                            f"(MLFLOW_TRACKING_PASSWORD, HF_TOKEN, ...); the value: {redact(value)}")


def validate(data, origins, file, name):
    """Check raw YAML data against the schema; returns a Config or raises ConfigError."""
    cfg = Config(origins, file, name)
    if data is None:
        cfg.fail((), "the config is empty; expected a mapping with keys "
                     + ", ".join(schema.SCHEMA.fields))
    cfg.values = cfg.check(schema.SCHEMA, data, ())
    cfg.cross_checks()
    return cfg


def load_config(file, overrides=(), shortcuts=()):
    """Read (with the configs it extends), override and validate a config file: `overrides` from
    --set, then `shortcuts`, (origin, path, value) triples from options such as --epochs."""
    data, origins = read_config_file(file)
    data, origins = apply_all(data, origins, str(file), overrides, shortcuts)
    return validate(data, origins, str(file), Path(str(file)).stem)


def apply_all(data, origins, file, overrides=(), shortcuts=()):
    """Apply --set overrides and option shortcuts to raw data (checking the root first)."""
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"expected a mapping with keys {', '.join(schema.SCHEMA.fields)}, "
                          f"got {describe(data)}", where=origins.get((), file))
    for text in overrides:
        data = apply_override(data, origins, *parse_override(text))
    for origin, path, value in shortcuts:
        data = apply_override(data, origins, path, value, origin=origin)
    return data, origins


def absolute_source(source):
    """The source read from any working folder (a local path made absolute, so eval and
    resume work from anywhere); any other source (synthetic:NAME, a hub id) unchanged."""
    return find_source(source).absolute(source)
