"""Timestamps for rows that will be merged: UTC, ISO 8601, microseconds (sortable as text)."""

from __future__ import annotations

import datetime as dt


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
