"""Validating plan data with pydantic (imported here only: a cached plan never needs it)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chofu_tui.plan.models import Plan

__all__ = ["ValidationError", "json_schema", "validate_plan"]


@cache
def _adapter() -> TypeAdapter[Plan]:
    return TypeAdapter(Plan)


def validate_plan(data: Any) -> Plan:
    return _adapter().validate_python(data)


def json_schema() -> dict[str, Any]:
    return _adapter().json_schema()
