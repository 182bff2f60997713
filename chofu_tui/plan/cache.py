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
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from chofu_tui.paths import cache_dir, make_private_dir
from chofu_tui.plan import models
from chofu_tui.plan.models import (
    Area,
    Coordinator,
    Initiative,
    Plan,
    ProgramArea,
    Target,
    TargetKind,
)

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


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(_str(value))
    except ValueError:
        raise _Bad from None


def _kind(value: Any) -> TargetKind:
    try:
        return TargetKind(_str(value))
    except ValueError:
        raise _Bad from None


def _object(cls: type, fields: dict[str, Convert]) -> Convert:
    def build(value: Any) -> Any:
        if type(value) is not dict or value.keys() != fields.keys():
            raise _Bad
        return cls(**{name: convert(value[name]) for name, convert in fields.items()})

    return build


# One converter per field of each dataclass (a test keeps these in step with plan/models.py).
_target = _object(
    Target,
    {
        "id": _str,
        "label": _str,
        "target": _int,
        "unit": _str,
        "kind": _kind,
        "source": _optional(_str),
        "per_area_min": _optional(_int),
    },
)
_initiative = _object(
    Initiative,
    {
        "id": _str,
        "heading": _str,
        "title": _str,
        "content": _str,
        "expected_effect": _str,
        "qualitative_goal": _str,
        "targets": _tuple(_target),
        "quantitative_note": _str,
        "subsidy": _bool,
    },
)
_program_area = _object(
    ProgramArea,
    {
        "id": _str,
        "numeral": _str,
        "name": _str,
        "initiatives": _tuple(_initiative),
        "overview": _str,
    },
)
_plan = _object(
    Plan,
    {
        "fiscal_year": _int,
        "title": _str,
        "areas": _tuple(_object(Area, {"no": _int, "name": _str})),
        "program_areas": _tuple(_program_area),
        "issued": _optional(_date),
        "issuer": _tuple(_str),
        "staffing": _optional(_int),
        "subsidy_program": _str,
        "coordinators": _tuple(_object(Coordinator, {"name": _str, "area": _optional(_int)})),
    },
)


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
