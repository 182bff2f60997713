"""Time, in one place: "today" (pinned by CHOFU_TUI_TODAY), the as-of clamp, and timestamps
for rows that will be merged (UTC, ISO 8601, microseconds: sortable as text)."""

from __future__ import annotations

import datetime as dt
import os

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear


def today() -> dt.date:
    """Today's date; CHOFU_TUI_TODAY (YYYY-MM-DD) pins it for demos, tests and screenshots."""
    pinned = os.environ.get("CHOFU_TUI_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def as_of_for(fy: FiscalYear, day: dt.date | None = None) -> dt.date:
    """The day a year's figures are shown as of: `day` (today) kept inside the fiscal year,
    so a past year ends on its 3/31 and a future one starts on its 4/1."""
    return min(max(day or today(), fy.start), fy.end)


def check_as_of(fy: FiscalYear, as_of: dt.date) -> None:
    """A figure as of a day before its fiscal year began is refused (a UserError)."""
    if as_of < fy.start:
        raise UserError(
            f"基準日 {as_of.isoformat()} は{fy.label}の開始 ({fy.start.isoformat()}) より前です",
            "as-of date is before the fiscal year",
        )


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
