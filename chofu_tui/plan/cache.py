"""Validated plans kept between starts, so that a start needs neither TOML nor pydantic.

A plan is cached under a digest of its file's bytes and of the model code that validated it:
an edited plan or a changed program is validated again. The cache is only ever a shortcut;
anything odd about it (missing, unreadable, another shape) means "validate the file".

The cache is plain JSON rebuilt field by field into the plan's frozen dataclasses: reading
it can never run code (a pickle planted in the cache folder would), and a file with an
unknown format, a missing or extra key or a value of the wrong type is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import types
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

from chofu_tui.paths import cache_dir, make_private_dir
from chofu_tui.plan import models
from chofu_tui.plan.models import Plan

FORMAT = "chofu-tui plan cache"
FORMAT_VERSION = 1

_MODEL_DIGEST: str | None = None


def _key(content: bytes) -> str:
    global _MODEL_DIGEST
    if _MODEL_DIGEST is None:
        _MODEL_DIGEST = hashlib.sha256(Path(models.__file__).read_bytes()).hexdigest()
    return hashlib.sha256(_MODEL_DIGEST.encode() + content).hexdigest()[:32]


def _path(content: bytes) -> Path:
    return cache_dir() / "plans" / f"{_key(content)}.json"


# ------------------------------------------------------------------ reading


class _Bad(Exception):
    """The cache file is not what this program writes."""


Convert = Callable[[Any], Any]


def _exact(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is not kind:  # exact: a bool is not an int here, nor an int a bool
            raise _Bad
        return value

    return convert


_str, _int, _bool = _exact(str), _exact(int), _exact(bool)


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _tuple(convert: Convert) -> Convert:
    return lambda value: tuple(convert(v) for v in _exact(list)(value))


def _dict(key: Convert, value: Convert) -> Convert:
    # JSON keys are strings, as TOML's are: a plan's dicts are keyed by str
    return lambda data: {key(k): value(v) for k, v in _exact(dict)(data).items()}


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(_str(value))
    except ValueError:
        raise _Bad from None


def _object(cls: type) -> Convert:
    """A converter for a plan dataclass, derived from its fields' types, so a field added to
    plan/models.py is cached without a second list to keep in step."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}

    def build(value: Any) -> Any:
        if type(value) is not dict or value.keys() != fields.keys():
            raise _Bad
        return cls(**{name: convert(value[name]) for name, convert in fields.items()})

    return build


def _converter(hint: Any) -> Convert:
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return _converter(typing.get_args(hint)[0])
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"plan cache: unsupported type {hint!r}")
        return _optional(_converter(inner[0]))
    if origin is tuple:
        return _tuple(_converter(typing.get_args(hint)[0]))
    if origin is dict:
        key, value = typing.get_args(hint)
        return _dict(_converter(key), _converter(value))
    if hint is dt.date:
        return _date
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum(hint)
    if hint in (str, int, bool):
        return _exact(hint)
    if dataclasses.is_dataclass(hint):
        return _object(hint)  # type: ignore[arg-type]
    raise TypeError(f"plan cache: unsupported type {hint!r}")


def _enum(kind: type[Enum]) -> Convert:
    def convert(value: Any) -> Any:
        try:
            return kind(_str(value))
        except ValueError:
            raise _Bad from None

    return convert


_plan = _object(Plan)


def from_data(data: Any, key: str) -> Plan:
    """The plan in a cache file's parsed JSON; raises ValueError for anything else."""
    try:
        if (
            type(data) is not dict
            or data.keys() != {"format", "version", "key", "plan"}
            or data["format"] != FORMAT
            or data["version"] != FORMAT_VERSION
            or data["key"] != key  # a file copied or renamed from another plan's entry
        ):
            raise _Bad
        return _plan(data["plan"])  # __post_init__ checks run again as the plan is rebuilt
    except (_Bad, TypeError, ValueError, RecursionError):
        raise ValueError("not a plan cache of this program") from None


def load(content: bytes) -> Plan | None:
    try:
        key = _key(content)
        raw = _path(content).read_bytes()
        return from_data(json.loads(raw), key)
    except Exception:  # a cache that cannot be read is no cache
        return None


# ------------------------------------------------------------------ writing


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_data(plan: Plan, key: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": FORMAT_VERSION, "key": key, "plan": _plain(plan)}


def store(content: bytes, plan: Plan) -> None:
    from chofu_tui.files import write_bytes

    key = _key(content)
    path = _path(content)
    data = json.dumps(to_data(plan, key), ensure_ascii=False, separators=(",", ":"))
    with contextlib.suppress(OSError):
        make_private_dir(path.parent)
        write_bytes(path, data.encode("utf-8"))
        for old in path.parent.glob("*.pickle"):  # the former format: never read again
            old.unlink(missing_ok=True)
