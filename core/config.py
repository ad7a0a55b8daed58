"""Loading frozen dataclass configs from mappings, TOML or JSON.

Unknown keys are rejected with an error that names the key and where it came
from, so a typo never passes silently.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
import typing
from pathlib import Path
from typing import Any, Mapping, TypeVar

from core.errors import ConfigError

T = TypeVar("T")


def config_from_mapping(cls: type[T], data: Mapping[str, Any], source: str = "config") -> T:
    """Build the frozen dataclass ``cls`` from ``data``.

    Lists become tuples where the field's default is a tuple. Raises
    :class:`ConfigError` naming the first unknown key, or the field whose value
    the dataclass rejects in its ``__post_init__``.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a table of settings, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{source}: unknown key '{unknown[0]}' for {cls.__name__} (known keys: {known})")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        kwargs[key] = _coerce(value, hints.get(key), f"{source}: {key}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The table in a ``.toml`` (or else JSON) file; a missing, unreadable or invalid file is a ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of settings at the top level")
    return data


def load_config(cls: type[T], path: str | Path, section: str | None = None) -> T:
    """Read ``cls`` from a ``.toml`` or ``.json`` file, optionally from one table."""
    path = Path(path)
    data = read_config_file(path)
    if section is not None:
        if section not in data:
            raise ConfigError(f"{path}: missing section [{section}]")
        data = data[section]
    return config_from_mapping(cls, data, source=f"{path}" + (f" [{section}]" if section else ""))


def config_to_dict(config: Any) -> dict[str, Any]:
    """Plain-JSON form of a config dataclass (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


# ------------------------------------------------------------------ --set KEY=VALUE

def parse_value(text: str, hint: Any, where: str) -> Any:
    """Convert ``--set`` text to the type of the field (``hint``)."""
    origin = typing.get_origin(hint)
    try:
        if hint is bool:
            low = text.strip().lower()
            if low in ("true", "yes", "on", "1"):
                return True
            if low in ("false", "no", "off", "0"):
                return False
            raise ValueError
        if hint in (int, float):
            return hint(text)
        if hint is str:
            return text
        if origin is tuple:
            items = [t.strip() for t in text.strip().strip("[]()").split(",") if t.strip()]
            args = typing.get_args(hint)
            types = [args[0]] * len(items) if len(args) == 2 and args[1] is Ellipsis else list(args)
            if len(types) != len(items):
                raise ValueError
            return tuple(parse_value(t, ty, where) for t, ty in zip(items, types))
    except ValueError:
        if origin is tuple:
            args = typing.get_args(hint)
            count = "" if len(args) == 2 and args[1] is Ellipsis else f"{len(args)} "
            kind = f"comma-separated list of {count}{args[0].__name__} values"
        else:
            kind = getattr(hint, "__name__", str(hint))
        raise ConfigError(f"{where}: '{text}' is not a valid {kind}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_assignments(cls: type, items: list[str] | tuple[str, ...], flag: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` strings as a mapping for the dataclass ``cls``, each value parsed to its field's type.

    Unknown keys, a missing ``=`` and values that do not parse raise :class:`ConfigError` naming the flag and key.
    """
    fields = {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{flag} '{item}': expected KEY=VALUE")
        if key not in fields:
            raise ConfigError(f"{flag} {key}: unknown key for {cls.__name__} (known keys: {', '.join(sorted(fields))})")
        values[key] = parse_value(text, hints.get(key), f"{flag} {key}")
    return values
