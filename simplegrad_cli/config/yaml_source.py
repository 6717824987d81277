"""Raw config data: strict, line-aware YAML reading, `--set key.path=value` overrides (YAML
values, applied before validation), and YAML writing that reads back the same. Strict because
PyYAML's defaults bite configs (`no` is false, `1e-3` a string, `1:30` is 90, duplicate keys
overwrite): YAML 1.2 core scalars only, duplicate keys refused, each key's line recorded."""
import os
import re

import yaml

from simplegrad_cli.errors import ConfigError

MAX_BYTES = 1_000_000  # a config is a few hundred bytes; anything huge is a wrong file
MAX_DEPTH = 32  # deeper nesting (or a recursive alias) is never a real config
MAX_VALUES = 100_000  # keys and values after expanding aliases; more is an "alias bomb"
MAX_DIGITS = 4000  # longer integers are never settings (and Python will not print them)
_TOO_LARGE = 10 ** MAX_DIGITS
MAX_INDEX_DIGITS = 9  # a list index beyond a billion is never meant
ECHO = 80  # characters of a malformed override quoted back in its error
_SEGMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|-?[0-9]+)$")
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}": kind for name, kind in [
    ("str", "a string"), ("int", "an integer"), ("float", "a number"),
    ("bool", "true or false"), ("null", "null")]}


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars only (no yes/no booleans, no dates)."""

    yaml_implicit_resolvers = {}


for _tag, _first, _regexp in [
    ("null", ["~", "n", "N", ""], r"^(?:~|null|Null|NULL|)$"),
    ("bool", list("tTfF"), r"^(?:true|True|TRUE|false|False|FALSE)$"),
    ("int", list("-+0123456789"), r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    ("float", list("-+0123456789."), r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                                         |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
                                         |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                                         |[-+]?\.(?:inf|Inf|INF)
                                         |\.(?:nan|NaN|NAN))$"""),
]:
    StrictLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_regexp, re.X),
                                       _first)


def dotted(path):
    """A key path tuple as users write it: ('optimizer', 'lr') -> 'optimizer.lr', ('model', 2,
    NAME) -> 'model.2.NAME'."""
    return ".".join(str(part) for part in path)


def _to_python(node, path, origins, where, loader):
    """Build plain dicts/lists/scalars from a YAML node, recording each key's line in origins."""
    here = f"{where}:{node.start_mark.line + 1}"
    if len(path) > MAX_DEPTH:
        raise ConfigError(f"nested more than {MAX_DEPTH} levels deep (a recursive alias?)",
                          where=here, path=dotted(path[:3]) + "...")
    if len(origins) > MAX_VALUES:  # every value's origin is recorded before it is built
        raise ConfigError(f"more than {MAX_VALUES:,} values (an alias *name counts as all it "
                          "repeats); a config is never that large", where=here,
                          path=dotted(path[:3]))
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, path, here, loader)
    if node.tag not in _PLAIN_TAGS:
        raise ConfigError(f"invalid YAML: unsupported tag {_short_tag(node.tag)!r}; write plain "
                          "values", where=here, path=dotted(path))
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            origins[path + (index,)] = f"{where}:{item.start_mark.line + 1}"
            items.append(_to_python(item, path + (index,), origins, where, loader))
        return items
    out = {}
    for key_node, value_node in node.value:
        line = f"{where}:{key_node.start_mark.line + 1}"
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
            raise ConfigError("YAML merge keys ('<<: *anchor') are not supported; write the "
                              "keys out in full", where=line, path=dotted(path))
        key = _scalar(key_node, path, line, loader) \
            if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            raise ConfigError(f"keys must be names, got {key_node.value!r}", where=line,
                              path=dotted(path))
        if key in out:
            first = origins[path + (key,)].rsplit(":", 1)[-1]
            raise ConfigError(f"duplicate key '{key}' (first set on line {first}); each key may "
                              "appear once", where=line, path=dotted(path + (key,)))
        origins[path + (key,)] = line
        out[key] = _to_python(value_node, path + (key,), origins, where, loader)
    return out


def _short_tag(tag):
    """'tag:yaml.org,2002:timestamp' -> '!!timestamp' (as it was written); others unchanged."""
    return tag.replace("tag:yaml.org,2002:", "!!")


def _scalar(node, path, here, loader):
    """One scalar's value; a literal its (explicit or implied) tag cannot read, or an
    integer of more than MAX_DIGITS digits, is a ConfigError naming the key and the text."""
    if node.tag not in _SCALAR_TAGS:
        raise ConfigError(f"invalid YAML: unsupported tag {_short_tag(node.tag)!r}; write plain "
                          "values", where=here, path=dotted(path))
    digits = len(node.value.lstrip("+-").replace("_", ""))
    if node.tag == "tag:yaml.org,2002:int" and digits > MAX_DIGITS:
        raise ConfigError(f"an integer written with {digits:,} digits; no setting takes more "
                          f"than {MAX_DIGITS}", where=here, path=dotted(path))
    try:
        value = loader.construct_object(node)
    except (ValueError, KeyError, TypeError, ArithmeticError, yaml.YAMLError):
        raise ConfigError(f"invalid YAML: {_short_tag(node.tag)} {node.value[:40]!r} is not "
                          f"{_SCALAR_TAGS[node.tag]}", where=here, path=dotted(path)) from None
    if isinstance(value, int) and abs(value) >= _TOO_LARGE:  # 0x..., 1:2:3... forms
        raise ConfigError(f"an integer of more than {MAX_DIGITS} digits; no setting takes one",
                          where=here, path=dotted(path))
    return value


def parse_yaml(text, where):
    """Parse YAML text into plain Python values plus {key path: 'where:line'} origins."""
    loader = None
    try:
        loader = StrictLoader(text)  # checks for characters YAML does not allow (NUL, ...)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        origins = {(): f"{where}:{node.start_mark.line + 1}"}
        return _to_python(node, (), origins, where, loader), origins
    except yaml.reader.ReaderError as error:  # a character YAML forbids, such as NUL
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise ConfigError(f"invalid YAML: character #x{error.character:04x} is not allowed in "
                          "YAML text", where=f"{where}:{line}:{column}") from None
    except yaml.YAMLError as error:  # a syntax error: where PyYAML saw it, and what it saw
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        if "\\t" in problem or "\t" in problem:
            message += "; indent with spaces, tabs are not allowed in YAML"
        location = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None else where
        raise ConfigError(message, where=location) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ConfigError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
                          where=where) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_file(file):
    """Read a config file: (data, origins), or a one-line ConfigError naming the file."""
    name = str(file)
    if not os.path.exists(name):
        raise ConfigError("no such file; expected the path of a YAML config", where=name)
    if os.path.isdir(name):
        raise ConfigError("is a directory; expected the path of a YAML config file", where=name)
    try:
        with open(name, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", where=name) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"larger than {MAX_BYTES // 1000} kB; is this really a config file?",
                          where=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 text (bad byte at offset {error.start}); "
                          "expected a YAML config", where=name) from None
    return parse_yaml(text, name)


def _quoted(text):
    """The override as the error quotes it: cut to ECHO characters."""
    return text if len(text) <= ECHO else text[:ECHO] + "..."


def parse_override(text, origin="--set"):
    """Split 'a.b.c=value' into (('a', 'b', 'c'), parsed value); one-line error if malformed."""
    if "=" not in text:
        raise ConfigError(f"expected KEY.PATH=VALUE, got '{_quoted(text)}'", where=origin)
    key, value_text = text.split("=", 1)
    segments = key.strip().split(".")
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise ConfigError(f"malformed key path '{_quoted(key)}': expected names or list "
                              "indices separated by dots, e.g. optimizer.lr or model.0.linear.out",
                              where=origin)
        if len(segment.lstrip("-")) > MAX_INDEX_DIGITS and segment.lstrip("-").isdigit():
            raise ConfigError(f"list index '{_quoted(segment)}' in '{_quoted(key)}' is too large; "
                              f"expected at most {MAX_INDEX_DIGITS} digits", where=origin)
    path = tuple(int(s) if s.lstrip("-").isdigit() else s for s in segments)
    if isinstance(path[0], int):
        raise ConfigError(f"key path '{key}' must start with a name", where=origin)
    try:
        value, _ = parse_yaml(value_text, origin)
    except ConfigError as error:
        raise ConfigError(f"{_quoted(text)}: {error.message}", where=origin) from None
    return path, value


def _child(container, part, path_so_far, origin, last):
    """Index a dict or list by one path segment, explaining what went wrong if impossible."""
    where = dotted(path_so_far) or "the config"
    if isinstance(container, dict) and not isinstance(part, int):
        return part
    if isinstance(container, list) and isinstance(part, int):
        size = len(container)
        index = part + size if part < 0 else part
        if 0 <= index < size or (last and index == size):
            return index
        problem = f"{where} has {size} items; index {part} is out of range"
    elif isinstance(container, dict):
        problem = f"{where} is a mapping; expected a key name, not {part}"
    elif isinstance(container, list):
        problem = f"{where} is a list; expected an index 0..{len(container) - 1}, not '{part}'"
    else:
        problem = f"{where} is a single value, not a section; cannot set a key inside it"
    raise ConfigError(problem, where=origin)


def apply_override(data, origins, path, value, origin="--set"):
    """Set data[path] = value (creating missing sections) and mark the path as from `origin`."""
    data = {} if data is None else data
    node, resolved = data, ()
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        key = _child(node, part, path[:depth], origin, last)
        resolved += (key,)  # a negative list index as its positive equivalent
        if last:
            break
        current = node[key] if (isinstance(node, list) or key in node) else None
        if current is None:  # `scheduler: null` or a missing section: start a new mapping
            node[key] = {}
        elif isinstance(current, str) and isinstance(node, list):
            node[key] = {current: {}}  # `- relu` becomes `- relu: {}`
        node = node[key]
    if isinstance(node, list) and key == len(node):
        node.append(value)
    else:
        node[key] = value
    for key in [k for k in origins if k[:len(resolved)] == resolved]:
        del origins[key]
    for depth in range(1, len(resolved) + 1):  # sections the override created come from it too
        origins.setdefault(resolved[:depth], origin)
    return data


def flatten_config(values, prefix=""):
    """{dotted.key: value} of a nested config; list items are numbered (model.0.linear.out)."""
    if isinstance(values, dict):
        items = values.items()
    elif isinstance(values, list) and any(isinstance(v, (dict, list)) for v in values):
        items = enumerate(values)
    else:
        return {prefix: values}
    flat = {}
    for key, value in items:
        flat.update(flatten_config(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


# ---- writing -------------------------------------------------------------------------------
class _FlowDict(dict):
    """A mapping written inline: `{in: 784, out: 128}`."""


class _FlowList(list):
    """A list written inline: `[0.1, 0.3]`."""


class _ConfigDumper(yaml.SafeDumper):
    """SafeDumper that writes _FlowDict and _FlowList inline, and quotes every string that
    either YAML 1.1 (PyYAML and most tools) or this loader's YAML 1.2 would read as something
    else (`"1e3"`, `"yes"`), so a stored config reads back as written."""


_ConfigDumper.yaml_implicit_resolvers = {
    first: StrictLoader.yaml_implicit_resolvers.get(first, [])
    + yaml.SafeDumper.yaml_implicit_resolvers.get(first, [])
    for first in {*StrictLoader.yaml_implicit_resolvers, *yaml.SafeDumper.yaml_implicit_resolvers}}


_ConfigDumper.add_representer(_FlowDict, lambda d, v: d.represent_mapping(
    "tag:yaml.org,2002:map", v.items(), flow_style=True))
_ConfigDumper.add_representer(_FlowList, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", v, flow_style=True))


def to_yaml(values):
    """Config values as YAML: sections in block style, layer arguments and number lists inline
    (`- linear: {in: 784, out: 128, bias: true}`), keys in schema order."""
    def mark(value, depth):
        if depth == 2 and isinstance(value, dict) and len(value) == 1 \
                and list(value.values()) == [{}]:
            return next(iter(value))  # `- relu: {}` reads better as `- relu`
        if isinstance(value, dict):
            items = {k: mark(v, depth + 1) for k, v in value.items()}
            return _FlowDict(items) if depth >= 3 or (depth == 2 and not items) else items
        if isinstance(value, list):
            items = [mark(v, depth + 1) for v in value]
            scalars = all(not isinstance(v, (dict, list)) for v in value)
            return _FlowList(items) if scalars else items
        return value

    return yaml.dump(mark(values, 0), Dumper=_ConfigDumper, sort_keys=False, width=100)
