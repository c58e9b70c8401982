"""Settings from YAML files and command lines: frozen dataclasses, built and checked one way everywhere.

- :func:`build`: a settings dataclass (with nested sections) from a mapping; an
  unknown key, a value of the wrong type or an unknown choice is refused with an
  error naming the file or command and the key.
- :func:`choice`: a named choice (an enum member) or an error listing the choices.
- :func:`apply_overrides`: dotted ``key.sub=value`` overrides on a mapping.
- :func:`plain`: a settings dataclass as JSON-ready data (choices by their value).

A recipe names data, not code: nothing in it is executed or imported.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any, Mapping, Sequence, TypeVar

import yaml

from emoshield.errors import ConfigError, EmoshieldError

S = TypeVar("S")
E = TypeVar("E", bound=enum.Enum)


def choice(kind: type[E], value: object, where: str, error: type[EmoshieldError] = ConfigError) -> E:
    """``kind(value)``, or ``error`` naming the setting and the choices."""
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).strip() if isinstance(value, str) else value)
    except ValueError:
        options = ", ".join(str(member.value) for member in kind)
        raise error(f"{where}: unknown choice {value!r}; choose one of: {options}") from None


def build(cls: type[S], values: Mapping[str, Any], where: str, error: type[EmoshieldError] = ConfigError,
          section: str = "") -> S:
    """An instance of the frozen dataclass ``cls`` from ``values``, over its defaults.

    Nested dataclass fields take a mapping (a section); enum fields a choice; tuples
    a list or a comma-separated string; other fields are converted to the type of
    their default (None-defaulted fields take the value as it is). The class's own
    ``__post_init__`` checks run last; their errors pass through. Errors name
    ``where`` (a file, the command line) and the dotted key: ``r.yaml: dp.mode: ...``.
    """
    label = f"{where}: {section}" if section else where
    if not isinstance(values, Mapping):
        raise error(f"{label} must be a section (a mapping of settings), got {values!r}")
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise error(f"{label}: unknown key(s) {unknown}; known: {sorted(known)}")
    default = cls()
    converted = {name: _convert(value, getattr(default, name), where, f"{section}.{name}" if section else name, error)
                 for name, value in values.items()}
    try:
        return dataclasses.replace(default, **converted)
    except TypeError as exc:
        raise error(f"{label}: {exc}") from None


def _convert(value: Any, like: Any, where: str, key: str, error: type[EmoshieldError]) -> Any:
    """``value`` as the type of the default ``like``."""
    if dataclasses.is_dataclass(like) and not isinstance(like, type):
        return value if isinstance(value, type(like)) else build(type(like), value, where, error, key)
    label = f"{where}: {key}"
    if isinstance(like, enum.Enum):
        return choice(type(like), value, label, error)
    if isinstance(like, tuple):
        items = split_top_level(value) if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise error(f"{label}: expected a list, got {value!r}")
        return tuple(_convert(v.strip() if isinstance(v, str) else v, like[0], where, key, error) if like else v
                     for v in items)
    if isinstance(like, bool) or like is None:
        return value
    try:
        return type(like)(value)
    except (TypeError, ValueError):
        raise error(f"{label}: expected {type(like).__name__}, got {value!r}") from None


def plain(value: Any) -> Any:
    """Settings as JSON-ready data: dataclasses as dicts, choices by value, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def apply_overrides(tree: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """``tree`` with each ``key.sub=value`` applied (values read as YAML); ConfigError names a bad one."""
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r}: expected key=value")
        *parents, leaf = key.strip().split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {key!r}: {part} is not a section")
        node[leaf] = yaml.safe_load(value)
    return tree


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside brackets: ``"raw,ae(hidden=[64,32],alpha=1)"`` gives two items."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == separator and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def read_yaml_mapping(path: Path, what: str, error: type[EmoshieldError] = ConfigError) -> dict[str, Any]:
    """The YAML mapping in ``path``; ``error`` names the file when it is missing, invalid or not a mapping."""
    if not path.is_file():
        raise error(f"{path}: no such {what}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise error(f"{path}: a {what} is a mapping of settings")
    return raw
