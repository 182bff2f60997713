"""The report's per-entry reads: the entries that carry a note (the 記録 sheet) and how many
entries the report covers. Every figure comes from the counting engine, not from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from peewee import JOIN, fn

from chofu_tui.store.models import Entry, EntryTarget, Organisation


@dataclass(frozen=True)
class NoteRow:
    date: dt.date
    area: int
    coordinator: str
    organisation: str | None
    case_code: str | None
    count: int
    note: str
    targets: tuple[str, ...]


def _conds(fiscal_year: int, until: dt.date) -> list:
    return [
        Entry.fiscal_year == fiscal_year,
        Entry.deleted == False,  # noqa: E712
        Entry.date <= until,
    ]


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def entry_count(fiscal_year: int, until: dt.date, target_ids: Iterable[str]) -> int:
    """How many entries credit at least one of the targets."""
    return (
        Entry.select(fn.COUNT(fn.DISTINCT(Entry.id)))
        .join(EntryTarget, on=(EntryTarget.entry == Entry.id))
        .where(*_conds(fiscal_year, until), EntryTarget.target_id.in_(list(target_ids)))
        .scalar()
        or 0
    )


def note_rows(fiscal_year: int, until: dt.date) -> list[NoteRow]:
    """Entries with a note, oldest first, in one query."""
    targets = fn.GROUP_CONCAT(EntryTarget.target_id)
    rows = (
        Entry.select(
            Entry.date,
            Entry.area,
            Entry.coordinator,
            Organisation.name,
            Entry.case_code,
            Entry.count,
            Entry.note,
            targets,
        )
        .join(EntryTarget, on=(EntryTarget.entry == Entry.id))
        .switch(Entry)
        .join(Organisation, JOIN.LEFT_OUTER, on=(Entry.organisation == Organisation.id))
        .where(*_conds(fiscal_year, until), Entry.note != "")
        .group_by(Entry.id)
        .order_by(Entry.date, Entry.id)
        .tuples()
    )
    return [
        NoteRow(_date(d), a, c or "", org, case, n, note, tuple(sorted(tids.split(","))))
        for d, a, c, org, case, n, note, tids in rows
    ]
