"""評価・課題: a short narrative per initiative and fiscal year, written by the coordinators.

Stored as records like entries (UUID, created/updated times, device), one per year and
initiative; merged from other laptops by the same rule (services/merge.py: the later
`updated_at` wins). Clearing a text keeps the row with an empty text, so that the clearing
wins over an older copy elsewhere, as an entry's tombstone does.
"""

from __future__ import annotations

import uuid

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.services import changes, entries
from chofu_tui.services.clock import now_stamp
from chofu_tui.store.models import Evaluation, database

MAX_TEXT = 2000
WHAT = "評価・課題"


def clean(text: str | None) -> str:
    """A text as stored: control characters removed (newlines and tabs stay), ends trimmed."""
    return safetext.strip_controls(entries.clean_text(text, WHAT), multiline=True).strip()


def problem(text: str) -> entries.Reason | None:
    """Why a cleaned text cannot be stored (too long), or None."""
    return entries.text_problem(text, WHAT, MAX_TEXT, multiline=True)


def get(fy: FiscalYear | int, initiative_id: str) -> str:
    """The initiative's text for the year ("" when none was written or it was cleared)."""
    row = Evaluation.get_or_none(
        (Evaluation.fiscal_year == _year(fy)) & (Evaluation.initiative_id == initiative_id)
    )
    return str(row.text) if row is not None else ""


def all_for(fy: FiscalYear | int) -> dict[str, str]:
    """initiative id -> text, for the year's initiatives that have one."""
    query = Evaluation.select(Evaluation.initiative_id, Evaluation.text).where(
        (Evaluation.fiscal_year == _year(fy)) & (Evaluation.text != "")
    )
    return {str(r.initiative_id): str(r.text) for r in query}


def save(fy: FiscalYear | int, initiative_id: str, text: str | None) -> str:
    """Store the initiative's text for the year (a blank text clears it); returns it as stored.

    Refused (UserError, nothing written) when it is longer than MAX_TEXT characters."""
    initiative_id = (initiative_id or "").strip()
    if not initiative_id:
        raise UserError("取組が指定されていません", "no initiative given")
    cleaned = clean(text)
    if (why := problem(cleaned)) is not None:
        raise UserError(*why)
    year = _year(fy)
    stamp = now_stamp()
    with database.atomic():
        row = Evaluation.get_or_none(
            (Evaluation.fiscal_year == year) & (Evaluation.initiative_id == initiative_id)
        )
        if row is None:
            if not cleaned:
                return ""  # nothing to clear: no row (and nothing for other laptops) is made
            Evaluation.create(
                uuid=str(uuid.uuid4()),
                fiscal_year=year,
                initiative_id=initiative_id,
                text=cleaned,
                created_at=stamp,
                updated_at=stamp,
                device_id=entries.device_id(),
            )
            changes.evaluation_changed(year, initiative_id, "create", stamp)
        elif row.text != cleaned:
            Evaluation.update(text=cleaned, updated_at=stamp).where(
                Evaluation.id == row.id
            ).execute()
            changes.evaluation_changed(year, initiative_id, "write", stamp)
    return cleaned


def _year(fy: FiscalYear | int) -> int:
    return fy.year if isinstance(fy, FiscalYear) else int(fy)
