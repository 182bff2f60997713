"""The report's per-entry reads: the entries that carry a note (the 記録 sheet) and how many
entries the report covers. Every figure comes from the counting engine, not from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from chofu_tui.store.models import Entry, database
from chofu_tui.store.pg import concat_ids


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
    ids = list(target_ids)
    if not ids:
        return 0
    marks = ", ".join("?" * len(ids))
    sql = (
        "SELECT COUNT(*) FROM entry e WHERE e.fiscal_year = ? AND e.deleted = FALSE AND e.date <= ?"
        " AND EXISTS (SELECT 1 FROM entry_target t WHERE t.entry_id = e.id"
        f" AND t.target_id IN ({marks}))"
    )
    row = database.execute_sql(sql, (fiscal_year, until.isoformat(), *ids)).fetchone()
    return int(row[0]) if row else 0


_NOTE_ROWS = """
    SELECT e.date, e.area, e.coordinator, o.name, e.case_code, e.count, e.note,
           (SELECT {targets} FROM entry_target t WHERE t.entry_id = e.id)
    FROM entry e LEFT JOIN organisation o ON o.id = e.organisation_id
    WHERE e.fiscal_year = ? AND e.deleted = FALSE AND e.date <= ? AND e.note != ''
    ORDER BY e.date, e.id"""


def note_rows(fiscal_year: int, until: dt.date) -> list[NoteRow]:
    """Entries with a note (and a target), oldest first, in one query.

    Plain SQL: a year of 14,000 notes is read in a tenth of the time peewee's rows take."""
    days: dict[str, dt.date] = {}
    out: list[NoteRow] = []
    for d, a, c, org, case, n, note, tids in database.execute_sql(
        _NOTE_ROWS.format(targets=concat_ids(database, "t.target_id")),
        (fiscal_year, until.isoformat()),
    ):
        if not tids:
            continue  # an entry without targets counts nowhere
        day = days.get(d)
        if day is None:
            day = days[d] = _date(d)
        out.append(NoteRow(day, a, c or "", org, case, n, note, tuple(sorted(tids.split(",")))))
    return out


_CASES = """
    SELECT t.target_id, COUNT(DISTINCT NULLIF(e.case_code, '')),
           SUM(CASE WHEN e.case_code IS NULL OR e.case_code = '' THEN 1 ELSE 0 END),
           SUM(CASE WHEN e.case_code IS NULL OR e.case_code = '' THEN 0 ELSE 1 END)
    FROM entry e JOIN entry_target t ON t.entry_id = e.id
    WHERE e.fiscal_year = ? AND e.deleted = FALSE AND e.date <= ?
    GROUP BY t.target_id"""


def case_figures(fiscal_year: int, until: dt.date) -> dict[str, tuple[int, int]]:
    """Per target whose entries carry case codes: (実人数 = distinct codes, entries without a
    code). Targets none of whose entries has a code are left out. No code leaves this function."""
    out: dict[str, tuple[int, int]] = {}
    for tid, people, uncoded, coded in database.execute_sql(
        _CASES, (fiscal_year, until.isoformat())
    ):
        if coded:
            out[str(tid)] = (int(people), int(uncoded))
    return out
