"""A sweep's settings and search space, from a sweep file or `--search` options; each searched
value's extremes are validated in the base config, so a mistake reads `FILE:LINE: key: ...`."""
import copy
import difflib
import json
import math
import os
from pathlib import Path

from simplegrad_cli.config import schema
from simplegrad_cli.config.extends import read_config_file
from simplegrad_cli.config.schema import Choice, Field
from simplegrad_cli.config.validation import Config, apply_all, describe, validate
from simplegrad_cli.config.yaml_source import apply_override, dotted, parse_override, parse_yaml, \
    read_yaml_file
from simplegrad_cli.errors import ConfigError

DISTRIBUTIONS = {"loguniform": "[1.0e-4, 1.0e-1]", "uniform": "[0.0, 0.5]", "int": "[16, 256]",
                 "choice": "[32, 64, 128]"}  # kind -> an example, for messages

_SEED = Field("int", "sampler seed; null = the config's seed", None, nullable=True)
SAMPLERS = {
    "tpe": {"seed": _SEED, "n_startup_trials": Field(
        "int", "random trials before TPE models the space", 10, minimum=0, maximum=1_000_000)},
    "random": {"seed": _SEED},
    "grid": {"seed": Field("int", "order of the grid points; null = the config's seed", None,
                           nullable=True)},
}
_WARMUP = Field("int", "epochs reported before a trial may be pruned", 0, minimum=0,
                maximum=100_000)
PRUNERS = {
    "median": {"n_startup_trials": Field("int", "finished trials before pruning starts", 5,
                                         minimum=0, maximum=1_000_000),
               "n_warmup_steps": _WARMUP},
    "hyperband": {"min_resource": Field("int", "epochs of the smallest bracket", 1, minimum=1,
                                        maximum=100_000),
                  "reduction_factor": Field("int", "1/factor of trials go on to the next rung",
                                            3, minimum=2, maximum=100)},
    "threshold": {"lower": Field("number", "prune below this value", None, nullable=True),
                  "upper": Field("number", "prune above this value", None, nullable=True),
                  "n_warmup_steps": _WARMUP},
    "none": {},
}
SETTINGS = {
    "config": Field("string", "the base config (relative to the sweep file)"),
    "trials": Field("int", "trials in the whole study (all workers together)", 20, minimum=1,
                    maximum=1_000_000),
    "metric": Field("string", "what to optimise; null = the config's train.metric", None,
                    choices=schema.METRICS, nullable=True),
    "mode": Field("string", "max or min; null = max for accuracies, min for losses", None,
                  choices=["max", "min"], nullable=True),
    "sampler": Choice("how trials pick values", SAMPLERS, default="tpe"),
    "pruner": Choice("stops trials early on the per-epoch metric", PRUNERS, default="median"),
    "jobs": Field("int", "trials at once on this machine (processes)", 1, minimum=1,
                  maximum=1024),
    "study": Field("string", "study name; null = the sweep file's name", None, nullable=True),
    "out": Field("string", "sweep folder; null = sweeps/<study name>", None, nullable=True),
    "space": Field("mapping", "config key path -> distribution or fixed value", {}),
}


class Param:
    """One searched key: `kind` is loguniform, uniform, int or choice; `values` its bounds or
    choices; `where` the FILE:LINE (or option) that defined it."""

    def __init__(self, path, kind, values, where):
        self.path, self.kind, self.values, self.where = path, kind, values, where
        self.name = dotted(path)

    def describe(self):
        """'loguniform [0.0001, 0.1]' or 'choice [32, 64]', for tables and summaries."""
        return f"{self.kind} {list(self.values)}"


class Sweep:
    """A validated sweep: the base config file and data, the settings and the space."""

    def __init__(self, file, origins, settings, params, fixed, base):
        self.file, self.origins, self.settings = file, origins, settings
        self.params, self.fixed = params, fixed
        self.base_file, self.sets, self.base_data, self.base_origins = base
        self.base_name = Path(self.base_file).stem

    def trial_config(self, values, out=None):
        """The validated Config of one trial: the base with `values` ({path: value}) applied,
        train.metric set to the sweep's metric and train.out to `out`."""
        data, origins = copy.deepcopy(self.base_data), dict(self.base_origins)
        for path, value in list(self.fixed.items()) + list(values.items()):
            data = apply_override(data, origins, path, value, origin=self._where(path))
        data = apply_override(data, origins, ("train", "metric"), self.settings["metric"],
                              origin=self._where(("metric",)))
        data = apply_override(data, origins, ("train", "out"), out, origin="--out")
        return validate(data, origins, self.base_file, self.base_name)

    def trial_overrides(self, params):
        """`--set` strings for `simplegrad train`: fixed values, then the trial's params."""
        values = {**{dotted(p): v for p, v in self.fixed.items()}, **params,
                  "train.metric": self.settings["metric"]}
        return list(self.sets) + [f"{key}={json.dumps(value)}" for key, value in values.items()]

    def signature(self):
        """What must match when a study is continued or joined: space, metric, mode and the
        base config (with --set applied; data.source as written, as workers on other machines
        may keep the data elsewhere), as JSON stores them."""
        return json.loads(json.dumps({
            "space": {p.name: p.describe() for p in self.params},
            "fixed": {dotted(p): v for p, v in self.fixed.items()},
            "metric": self.settings["metric"], "mode": self.settings["mode"],
            "base config": self.trial_config({}).values}))

    def max_epochs(self):
        """The most epochs a trial can train (for Hyperband's largest bracket)."""
        return max([self.trial_config({}).values["train"]["epochs"]] +
                   [max(p.values) for p in self.params if p.path == ("train", "epochs")])

    def _where(self, path):
        where = next((p.where for p in self.params if p.path == path), None)
        return where or self.origins.get(path) or \
            self.origins.get(("space", dotted(path)), self.file)


def load_sweep(file, searches=(), sets=(), options=()):
    """A validated Sweep from a sweep file (or a plain config plus `searches`, 'key.path=
    kind:args'); `sets` override the base config, `options` are (origin, key, value)."""
    file = str(file)
    data, origins = read_yaml_file(file)
    plain = not (isinstance(data, dict) and ("space" in data or "config" in data))
    if plain and not searches:
        raise ConfigError("is a config, not a sweep file: give --search KEY.PATH=DIST (e.g. "
                          "optimizer.lr=loguniform:1e-4:1e-1) or a sweep file with config: "
                          "and space:", where=file)
    raw = {"config": Path(file).name} if plain else dict(data)
    origins = {(): file} if plain else origins
    for origin, key, value in options:
        raw[key] = value
        origins[(key,)] = origin
    settings = Config(origins, file).mapping(SETTINGS, raw, ())
    base_file = file if plain else os.path.normpath(Path(file).parent / settings["config"])
    entries = [(origins.get(("space", key), file), key, value)
               for key, value in settings["space"].items()]
    entries += [("--search", *_split_search(text)) for text in searches]
    params, fixed = [], {}
    for where, key, value in entries:
        if not isinstance(key, str):
            raise ConfigError(f"a space key is a config key path such as optimizer.lr, got "
                              f"{describe(key)}", where=where)
        path, _ = parse_override(f"{key}=0", origin=where)  # checked like a --set key
        param = parse_distribution(path, value, where)
        if param is None:
            fixed[path] = value
            origins[("space", dotted(path))] = where
        else:
            params.append(param)
    if not params:
        raise ConfigError("the space has no distribution to search; expected e.g. "
                          "optimizer.lr: {loguniform: [1.0e-4, 1.0e-1]}",
                          where=origins.get(("space",), file), path="space")
    base_data, base_origins = read_config_file(base_file)
    base_data, base_origins = apply_all(base_data, base_origins, base_file, sets)
    base = validate(copy.deepcopy(base_data), dict(base_origins), base_file,
                    Path(base_file).stem)
    settings["metric"] = settings["metric"] or base.values["train"]["metric"]
    settings["mode"] = settings["mode"] or (
        "max" if settings["metric"].endswith("accuracy") else "min")
    settings["study"] = settings["study"] or Path(file).stem
    settings["out"] = settings["out"] or f"sweeps/{settings['study']}"
    for param in params:
        if settings["sampler"]["name"] == "grid" and param.kind != "choice":
            raise ConfigError(f"sampler grid needs a choice list for every searched key, but "
                              f"this one is {param.kind}", where=param.where, path=param.name)
    pruner = settings["pruner"]
    if pruner["name"] == "threshold" and pruner["lower"] is None and pruner["upper"] is None:
        raise ConfigError("the threshold pruner needs lower or upper (or both)",
                          where=Config(origins, file).where(("pruner",)), path="pruner")
    sweep = Sweep(file, origins, settings, params, fixed,
                  (base_file, list(sets), base_data, base_origins))
    sweep.trial_config({})  # the base config, then each param's extreme values (first errors win)
    for param in sweep.params:
        for value in param.values:  # both ends of a range, or every choice
            sweep.trial_config({param.path: value})
    return sweep


def _split_search(text):
    """'optimizer.lr=loguniform:1e-4:1e-1' -> ('optimizer.lr', {'loguniform': [1e-4, 0.1]})."""
    if "=" not in text:
        raise ConfigError(f"expected KEY.PATH=DIST, e.g. optimizer.lr=loguniform:1e-4:1e-1 or "
                          f"data.batch_size=choice:32,64; got '{text}'", where="--search")
    key, spec = text.split("=", 1)
    kind, _, args = spec.partition(":")
    if kind not in DISTRIBUTIONS:
        raise ConfigError(f"unknown distribution '{kind}' in '{text}'; "
                          f"{_expected_kinds(kind)}", where="--search", path=key)
    parts = args.split("," if kind == "choice" else ":") if args else []
    values = [parse_yaml(part, "--search")[0] for part in parts]
    return key, {kind: values}


def _expected_kinds(kind):
    close = difflib.get_close_matches(str(kind), DISTRIBUTIONS, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}(expected one of: {', '.join(DISTRIBUTIONS)})"


def parse_distribution(path, value, where):
    """A Param for `{kind: [...]}`, or None when `value` is a fixed value for every trial."""
    name = dotted(path)
    if not (isinstance(value, dict) and len(value) == 1):
        return None
    (kind, args), = value.items()
    if kind not in DISTRIBUTIONS:
        if difflib.get_close_matches(str(kind), DISTRIBUTIONS, n=1, cutoff=0.6):
            raise ConfigError(f"unknown distribution '{kind}'; {_expected_kinds(kind)}",
                              where=where, path=name)
        return None  # a fixed mapping value, such as data.options: {noise: 0.1}

    def fail(message):
        raise ConfigError(f"{kind}: {message}", where=where, path=name)

    if not isinstance(args, list) or not args:
        fail(f"expected a list, e.g. {{{kind}: {DISTRIBUTIONS[kind]}}}; got {describe(args)}")
    if kind == "choice":
        for item in args:
            if isinstance(item, (dict, list)) or item is None:
                fail(f"choices must be numbers, strings or true/false, got {describe(item)}")
        if len({repr(item) for item in args}) != len(args):
            fail(f"the choices {args} repeat a value")
        return Param(path, kind, list(args), where)
    if len(args) != 2:
        fail(f"expected [low, high], got {len(args)} values")
    low, high = args
    numbers = (int,) if kind == "int" else (int, float)
    if not all(isinstance(v, numbers) and not isinstance(v, bool) for v in args):
        what = "integers" if kind == "int" else "numbers"
        fail(f"expected two {what} [low, high], got {describe(low)} and {describe(high)}")
    if not all(math.isfinite(v) for v in args):
        fail(f"bounds must be finite, got {args}")
    if not low < high:
        fail(f"low must be below high, got [{low}, {high}]")
    if kind == "loguniform" and low <= 0:
        fail(f"bounds must be > 0 (a log scale), got [{low}, {high}]")
    return Param(path, kind, [low, high] if kind == "int" else [float(low), float(high)], where)
