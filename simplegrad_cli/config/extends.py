"""`extends: base.yaml`: a config written as the changes to another (a path relative to the
config; chains allowed, cycles refused). The child's keys override the base's, mappings merge
key by key, lists and single values replace, and every key keeps the file and line it was
written on, so an error names the base or the child as it should."""
import os

from simplegrad_cli.config.yaml_source import read_yaml_file
from simplegrad_cli.errors import ConfigError, shown_path

KEY = "extends"


def read_config_file(file, chain=()):
    """(data, origins) of a config file with its `extends` chain merged in (see above)."""
    file = str(file)
    data, origins = read_yaml_file(file)
    if not isinstance(data, dict) or KEY not in data:
        return data, origins
    where, name = origins[(KEY,)], data.pop(KEY)
    origins = {path: origin for path, origin in origins.items() if path[:1] != (KEY,)}
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"expected the path of the config this one builds on (relative to "
                          f"{shown_path(file)}), got {name!r}", where=where, path=KEY)
    base = os.path.normpath(os.path.join(os.path.dirname(file), name))
    chain = (*chain, file)
    if any(_same_file(base, earlier) for earlier in chain):
        files = " -> ".join(shown_path(path) for path in (*chain, base))
        raise ConfigError(f"configs extend each other in a cycle: {files}", where=where,
                          path=KEY)
    if not os.path.isfile(base):
        raise ConfigError(f"{name}: no such config file (looked for {shown_path(base)})",
                          where=where, path=KEY)
    base_data, base_origins = read_config_file(base, chain)
    if base_data is not None and not isinstance(base_data, dict):
        raise ConfigError(f"{name}: is not a config (a mapping of keys such as data, model)",
                          where=where, path=KEY)
    out = _merge(base_data or {}, data, (), base_origins)
    return out, base_origins | origins  # where the child wrote a key, else where the base did


def _merge(base, child, path, origins):
    """`child` over `base`; drops from `origins` the base's keys the child replaced."""
    out = dict(base)
    for key, value in child.items():
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and not _other_choice(old, value):
            out[key] = _merge(old, value, path + (key,), origins)
            continue
        out[key] = value
        for written in [p for p in origins if p[:len(path) + 1] == path + (key,)]:
            del origins[written]  # the base's value is gone, and so is where it was written
    return out


def _other_choice(old, new):
    """Whether `new` picks another variant (`optimizer: {name: sgd}` over adam): it replaces
    the base's mapping, whose settings belong to the other variant."""
    return "name" in old and "name" in new and old["name"] != new["name"]


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)

