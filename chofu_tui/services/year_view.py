"""The year on screen: what every screen shows, gathered in one call each (no Textual here),
and what the app says when a store operation fails (one error policy for every screen)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from chofu_tui.errors import StoreError, UserError, _chain, storage_error
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog, Target
from chofu_tui.plan.loader import LoadedPlan
from chofu_tui.services import entries, progress
from chofu_tui.services.clock import as_of_for
from chofu_tui.store.models import database


@dataclass(frozen=True)
class YearView:
    """The fiscal year on screen: its plan (None when there is none yet) and its figures."""

    fy: FiscalYear
    as_of: dt.date
    loaded: LoadedPlan | None
    progress: progress.YearProgress | None = None
    monthly: dict[str, list[int]] = field(default_factory=dict)
    why: str | None = None  # why this year has no plan

    @property
    def plan(self) -> Plan | None:
        return self.loaded.plan if self.loaded else None


def load_year(catalog: PlanCatalog, fy: FiscalYear, today: dt.date) -> YearView:
    as_of = as_of_for(fy, today)
    if not catalog.has(fy):
        return YearView(fy, as_of, None, why="no-plan")
    loaded = catalog.get(fy)
    return YearView(
        fy,
        as_of,
        loaded,
        progress.progress_for(loaded.plan, as_of),
        progress.monthly(loaded.plan),
    )


def loggable_targets(plan: Plan) -> list[Target]:
    """The targets an entry can credit, in plan order (their 1-based index is the pick number)."""
    return [t for t in plan.targets() if t.loggable]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def match_targets(plan: Plan, query: str) -> list[tuple[int, Target]]:
    """Loggable targets matching `query`: its number, or a part of its id or label."""
    numbered = list(enumerate(loggable_targets(plan), start=1))
    q = _norm(query)
    if not q:
        return numbered
    if q.isdigit():
        return [(i, t) for i, t in numbered if str(i) == q]
    starts = [(i, t) for i, t in numbered if t.id.startswith(q) or _norm(t.label).startswith(q)]
    inside = [
        (i, t)
        for i, t in numbered
        if (i, t) not in starts and (q in t.id or q in _norm(t.label) or _initials(t.id, q))
    ]
    return starts + inside


def _initials(target_id: str, q: str) -> bool:
    """`cac` finds case-support-community: the first letters of the id's parts, in order."""
    parts = target_id.split("-")
    return len(q) > 1 and "".join(p[0] for p in parts).startswith(q)


def recent_entries(fy: FiscalYear, target_ids: list[str], limit: int = 5) -> list:
    """The newest entries crediting any of `target_ids`."""
    seen: dict[str, entries.EntryRecord] = {}
    for tid in target_ids:
        for rec in entries.list_entries(fy.year, target=tid, limit=limit):
            seen[rec.uuid] = rec
    return sorted(seen.values(), key=lambda r: (r.date, r.created_at), reverse=True)[:limit]


def data_version() -> int:
    """SQLite's counter of commits by other connections (PRAGMA data_version) on this thread's
    connection: when it changes, another process or window wrote. Costs no disk read."""
    # fetchall: the statement runs to its end, so no read transaction stays open on this thread
    return int(database.execute_sql("PRAGMA data_version").fetchall()[0][0])


STORE_BUSY = (
    "データベースを他のプログラムが使用中です。少し待ってからもう一度やり直してください"
    " (データは変わっていません)"
)
UNEXPECTED = "予期しないエラーが起きました ({what})。操作は行われていない可能性があります"
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_BUSY_TEXT = {"database is locked", "database table is locked"}  # SQLite's own words


def user_error(exc: BaseException) -> UserError | None:
    """`exc` as the typed error a user is shown: itself when it is one, a full disk or size
    limit, or another writer holding the store (by SQLite's error code, which peewee keeps in
    the chain); None for anything unexpected (a bug: the caller shows `unexpected`)."""
    if isinstance(exc, UserError):
        return exc
    found = storage_error(exc)
    if found is not None:
        return found
    for e in _chain(exc):
        busy = getattr(e, "sqlite_errorcode", None) in _BUSY
        # peewee's own OperationalError may come without SQLite's: it carries SQLite's text
        if busy or (type(e).__name__ == "OperationalError" and str(e) in _BUSY_TEXT):
            return StoreError(STORE_BUSY, "the database is locked by another program")
    return None


def error_message(exc: BaseException) -> str:
    """The Japanese line shown for any failure: the user error's message, or what happened."""
    known = user_error(exc)
    if known is not None:
        return known.message
    return UNEXPECTED.format(what=f"{type(exc).__name__}: {exc}")
