"""`--set key.path=value` overrides, applied to the raw YAML data before validation.

Values are parsed as YAML (`--set optimizer.lr=3e-4` is a number, `--set data.split=test` a
string, `--set model.0.linear.out=64` reaches into the layer list), so an override is checked by
exactly the same validation as the file.
"""
import re

from simplegrad_cli.errors import ConfigError
from simplegrad_cli.yaml_source import dotted, parse_yaml

_SEGMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|-?[0-9]+)$")
MAX_INDEX_DIGITS = 9  # a list index beyond a billion is never meant
ECHO = 80  # characters of a malformed override quoted back in its error


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
    if isinstance(container, dict):
        if isinstance(part, int):
            raise ConfigError(f"{where} is a mapping; expected a key name, not {part}",
                              where=origin)
        return part
    if isinstance(container, list):
        if not isinstance(part, int):
            raise ConfigError(f"{where} is a list; expected an index 0..{len(container) - 1}"
                              f", not '{part}'", where=origin)
        size = len(container)
        index = part + size if part < 0 else part
        if not (0 <= index < size or (last and index == size)):
            raise ConfigError(f"{where} has {size} items; index {part} is out of range",
                              where=origin)
        return index
    raise ConfigError(f"{where} is a single value, not a section; cannot set a key inside it",
                      where=origin)


def apply_override(data, origins, path, value, origin="--set"):
    """Set data[path] = value (creating missing sections) and mark the path as from `origin`."""
    if data is None:
        data = {}
    node = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        key = _child(node, part, path[:depth], origin, last)
        if last:
            if isinstance(node, list) and key == len(node):
                node.append(value)
            else:
                node[key] = value
            break
        current = node[key] if (isinstance(node, list) or key in node) else None
        if current is None:  # `scheduler: null` or a missing section: start a new mapping
            current = node[key] = {}
        elif isinstance(current, str) and isinstance(node, list):
            current = node[key] = {current: {}}  # `- relu` becomes `- relu: {}`
        node = current
    resolved = tuple(_normalise(data, path))
    for key in [k for k in origins if k[:len(resolved)] == resolved]:
        del origins[key]
    for depth in range(1, len(resolved) + 1):  # sections the override created come from it too
        origins.setdefault(resolved[:depth], origin)
    return data


def _normalise(data, path):
    """The path with negative list indices replaced by their positive equivalents."""
    node = data
    for part in path:
        if isinstance(node, list) and isinstance(part, int) and part < 0:
            part += len(node)
        yield part
        node = node[part] if isinstance(node, (list, dict)) else None
