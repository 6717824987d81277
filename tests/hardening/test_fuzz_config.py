"""Property-based fuzzing of configs: random structural mutations, random `--set` overrides and
random edits of the YAML text never produce a traceback, only exit 0 or 2 (and configs that
validate also train, exiting 0, 2, or 1 for a diverged run)."""
import copy
import json

import yaml
from hypothesis import given
from hypothesis import strategies as st

from fuzz_helpers import assert_clean, count, fuzz
from hardening_helpers import TINY, invoke
from simplegrad_cli.config import schema

BASE = yaml.safe_load(TINY)
WORDS = sorted({*schema.SCHEMA.fields, *schema.layer_fields(), *schema.OPTIMIZERS, *schema.SCHEDULERS,
                *schema.LOSSES, *schema.METRICS, *schema.ALIASES, "name", "in", "out", "lr",
                "epochs", "batch_size", "source", "options", "n_samples", "kernel_size",
                "synthetic:moons", "synthetic:spirals", "step_size", "momentum", "p"})
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 100), st.integers(-10**15, 10**15),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1),
    st.text(max_size=10), st.sampled_from(WORDS),
    st.sampled_from(["1e-3", "-1", "yes", "null", "~", "", " ", "0x10", "1_000", ".5", "[]"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.sampled_from(WORDS),
                                                           st.text(max_size=6)),
                                                 inner, max_size=3)), max_leaves=6)
LAYERS = ["relu", "tanh", "gelu", "sigmoid", "softmax", "flatten", {"leaky_relu": {}},
          {"dropout": {"p": 0.5}}, {"layer_norm": {}}, {"batch_norm1d": {}},
          {"linear": {"out": 8}}, {"linear": {"out": 3, "bias": False}}]
SECTIONS = {  # valid alternatives for whole sections, so mutants also reach training
    "optimizer": [{"name": "sgd", "lr": 0.5, "momentum": 0.9, "nesterov": True},
                  {"name": "adamw", "lr": 5.0}, "adam", {"name": "sgd", "weight_decay": 1.0}],
    "scheduler": [None, "cosine", {"name": "step", "step_size": 1, "gamma": 1e-9},
                  {"name": "cosine", "warmup_epochs": 3, "t_max": 1}],
    "loss": list(schema.LOSSES),
    "train": [{"epochs": 1, "grad_clip": 1e-6}, {"metric": "train_loss", "patience": 1},
              {"eval_every": 5, "log_every": 1}],
}
MAX_TRAIN_PARAMETERS = 50_000  # valid mutants are trained for one epoch if they are this small
TRAINED = {"count": 0}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _swap_type(value):
    """The same information in another type: 16 -> "16", true -> "true", [a] -> {a: a}."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return "null"


@st.composite
def mutated_configs(draw):
    """BASE with 1-4 random mutations: delete, replace, swap type, nest, unnest, add, rename."""
    config = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(config) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = config
        for part in path[:-1]:
            parent = parent[part]
        key, value = path[-1], parent[path[-1]]
        action = draw(st.sampled_from(["delete", "replace", "swap", "nest", "unnest", "add",
                                       "rename", "word", "layer", "section"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(VALUES)
        elif action == "swap":
            parent[key] = _swap_type(value)
        elif action == "nest":
            parent[key] = draw(st.sampled_from([{"x": value}, [value], {key: value}]))
        elif action == "unnest" and isinstance(value, (dict, list)) and value:
            parent[key] = draw(st.sampled_from(list(value.values() if isinstance(value, dict)
                                                    else value)))
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(WORDS) | st.text(min_size=1, max_size=8))] = draw(VALUES)
        elif action == "add":
            parent.insert(key, draw(VALUES))
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(WORDS))] = parent.pop(key)
        elif action == "word":
            parent[key] = draw(st.sampled_from(WORDS))
        elif action == "layer" and isinstance(config.get("model"), list):
            layer = copy.deepcopy(draw(st.sampled_from(LAYERS)))
            config["model"].insert(draw(st.integers(0, len(config["model"]))), layer)
        elif action == "section":
            section = draw(st.sampled_from(sorted(SECTIONS)))
            config[section] = copy.deepcopy(draw(st.sampled_from(SECTIONS[section])))
    return config


def _check_config(workdir, test, text, *overrides):
    (workdir / "fuzz.yaml").write_text(text)
    sets = [arg for override in overrides for arg in ("--set", override)]
    result = invoke("validate", "fuzz.yaml", "--json", "--load-data", *sets)
    assert_clean(result, what=(text, overrides))
    count(test, result.exit_code)
    if result.exit_code == 0:
        _train_if_small(workdir, json.loads(result.stdout), sets, (text, overrides))


def _train_if_small(workdir, summary, sets, what):
    """A config that validates must also train (one epoch on at most 64 samples)."""
    if summary["parameters"] > MAX_TRAIN_PARAMETERS:
        return
    TRAINED["count"] += 1
    result = invoke("train", "fuzz.yaml", *sets, "--epochs", "1", "--set",
                    "data.max_samples=64", "--out", workdir / "run", "--overwrite")
    assert_clean(result, allowed=(0, 1, 2), what=what)
    count("train", result.exit_code)


@fuzz(300)
@given(config=mutated_configs())
def test_mutated_configs(workdir, config):
    text = yaml.safe_dump(config, allow_unicode=True)
    _check_config(workdir, "mutated", text)


_SEGMENTS = st.one_of(st.sampled_from(WORDS), st.integers(-4, 6).map(str),
                      st.text("abcxyz_.-=0123456789 ", max_size=5))
_REAL_PATHS = [".".join(map(str, p)) for p in _paths(BASE) if p]
_VALUE_TEXT = st.one_of(VALUES.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),
                        st.text(max_size=12), st.integers(-3, 40).map(str),
                        st.sampled_from(["0.5", "true", "null", "[relu]", "{out: 4}", "sgd"]))
OVERRIDES = st.one_of(
    st.builds(lambda segments, sep, value: ".".join(segments) + sep + value,
              st.lists(_SEGMENTS, min_size=1, max_size=4),
              st.sampled_from(["=", "=", "=", ":", ""]), _VALUE_TEXT),
    st.builds(lambda path, value: f"{path}={value}", st.sampled_from(_REAL_PATHS), _VALUE_TEXT))


@fuzz(200)
@given(overrides=st.lists(OVERRIDES, min_size=1, max_size=3))
def test_random_set_overrides(workdir, overrides):
    _check_config(workdir, "--set", TINY, *overrides)


YAML_CHARACTERS = ":-[]{},\"'&*!#|>%@`\t ?\x00\\"  # the ones YAML gives a meaning (or forbids)


@st.composite
def edited_text(draw):
    """TINY with random character- and line-level edits (YAML syntax, tabs, indentation)."""
    lines = TINY.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        action = draw(st.sampled_from(["insert", "delete", "indent", "dedent", "duplicate",
                                       "drop", "swap"]))
        if action == "insert":
            at = draw(st.integers(0, len(line)))
            text = draw(st.sampled_from(list(YAML_CHARACTERS)) | st.text(max_size=3))
            lines[index] = line[:at] + text + line[at:]
        elif action == "delete" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[index] = line[:at] + line[at + draw(st.integers(1, 4)):]
        elif action == "indent":
            lines[index] = draw(st.sampled_from([" ", "  ", "\t"])) + line
        elif action == "dedent":
            lines[index] = line.lstrip()
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
    return "\n".join(lines) + "\n"


@fuzz(200)
@given(text=edited_text())
def test_edited_yaml_text(workdir, text):
    _check_config(workdir, "text", text)



HUGE_INT = "9" * 5000  # past Python's 4,300-digit int() limit
HOSTILE_SCALARS = st.sampled_from([
    "!!int abc", "!!float x", "!!timestamp 2020-13-01", "!!bool maybe", "!!binary ###",
    "!!null x", "!!str 3", "!!set {a, b}", "!!omap [a: 1]", "!!python/object:os.system x",
    "!<tag:yaml.org,2002:int> 7", "!local 3", HUGE_INT, f"-{HUGE_INT}", f"0x{'f' * 4000}",
    "1e999", "-.inf", ".nan", "0o777", "0b101", "+12", "1_0", "'\x1b[2J'", "\"\\u200b\"",
    "\"\\x00\"", "*undefined", "&anchor 3", "[&a 1, *a]", "{<<: {out: 4}}", "? complex key",
    "|\n    block", ">-\n    folded", "'" + "x" * 3000 + "'", "[" * 40 + "]" * 40,
    "{a: " * 40 + "1" + "}" * 40, "[]", "{}", "~", "\ufeff3"])


@st.composite
def documents(draw):
    """TINY with values replaced by explicit tags, huge integers, anchors and aliases, merge
    keys, control characters and deep nesting; sometimes an alias bomb or a second document."""
    lines = TINY.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        key, colon, _ = lines[index].partition(":")
        if colon and draw(st.booleans()):
            lines[index] = f"{key}: {draw(HOSTILE_SCALARS)}"
        else:
            lines.insert(index, f"{draw(st.sampled_from(WORDS))}: {draw(HOSTILE_SCALARS)}")
    extra = draw(st.sampled_from(["", "---\nseed: 1\n", "...\n", "x: &b [*b]\n",
                                  "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
                                      f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, "
                                      f"*{p}, *{p}, *{p}]\n" for p, n in zip("abcde", "bcdef")),
                                  "%YAML 1.1\n---\n", "%TAG !e! tag:example.com,2000:\n---\n"]))
    return (extra if extra.startswith("%") else "") + "\n".join(lines) + "\n" + \
        ("" if extra.startswith("%") else extra)


@fuzz(100)
@given(text=documents())
def test_hostile_yaml_documents(workdir, text):
    _check_config(workdir, "documents", text)


@fuzz(80)
@given(overrides=st.lists(st.builds(lambda path, value: f"{path}={value}",
                                    st.sampled_from(_REAL_PATHS + ["model.0", "model.99",
                                                                   f"model.{HUGE_INT}.linear",
                                                                   "data.options.x"]),
                                    HOSTILE_SCALARS), min_size=1, max_size=2))
def test_hostile_set_values(workdir, overrides):
    _check_config(workdir, "--set hostile", TINY, *overrides)
