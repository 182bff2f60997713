"""The year on screen: what every screen shows, gathered in one call each (no Textual here),
and what the app says when a store operation fails (one error policy for every screen)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from rich.cells import cell_len

from chofu_tui.errors import StoreError, UserError, _chain, storage_error
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog, Target
from chofu_tui.plan.loader import LoadedPlan
from chofu_tui.safetext import one_line
from chofu_tui.services import entries, progress
from chofu_tui.services.clock import as_of_for
from chofu_tui.store.models import database
from chofu_tui.store.pg import is_postgres


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


def load_year(
    catalog: PlanCatalog,
    fy: FiscalYear,
    today: dt.date,
    *,
    area: int | None = None,
    coordinator: str | None = None,
) -> YearView:
    """The year's figures; in one area or by one coordinator when given (the app's scope)."""
    as_of = as_of_for(fy, today)
    if not catalog.has(fy):
        return YearView(fy, as_of, None, why="no-plan")
    loaded = catalog.get(fy)
    return YearView(
        fy,
        as_of,
        loaded,
        progress.progress_for(loaded.plan, as_of, area=area, coordinator=coordinator),
        progress.monthly(loaded.plan, area=area, coordinator=coordinator),
    )


def loggable_targets(plan: Plan) -> list[Target]:
    """The targets an entry can credit, in plan order (their 1-based index is the pick number)."""
    return [t for t in plan.targets() if t.loggable]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "").replace("\u3000", "")


def _terms(t: Target) -> list[str]:
    """Every word a target is found by, folded: its id, label, short label and aliases."""
    return [t.id, *(_norm(w) for w in (t.label, t.short or "", *t.aliases) if w)]


def match_targets(plan: Plan, query: str) -> list[tuple[int, Target]]:
    """Loggable targets matching `query`: its number, or its id, label, short label (略称) or an
    alias, exactly first, then those starting with it, then those containing it (or the
    initials of the id). The app's picker and the command line find targets the same way."""
    numbered = list(enumerate(loggable_targets(plan), start=1))
    q = _norm(query)
    if not q:
        return numbered
    if q.isdigit():
        return [(i, t) for i, t in numbered if str(i) == q]
    terms = {t.id: _terms(t) for _, t in numbered}
    exact = [(i, t) for i, t in numbered if q in terms[t.id]]
    starts = [
        (i, t)
        for i, t in numbered
        if (i, t) not in exact and any(w.startswith(q) for w in terms[t.id])
    ]
    inside = [
        (i, t)
        for i, t in numbered
        if (i, t) not in exact
        and (i, t) not in starts
        and (any(q in w for w in terms[t.id]) or _initials(t.id, q))
    ]
    return exact + starts + inside


def _initials(target_id: str, q: str) -> bool:
    """`cac` finds case-support-community: the first letters of the id's parts, in order."""
    parts = target_id.split("-")
    return len(q) > 1 and "".join(p[0] for p in parts).startswith(q)


def resolve_target(plan: Plan, word: str) -> str:
    """The id of the one target `word` names (number, id, label, short label or alias), for the
    command line. An exact id of any target, even a derived one, is kept (the entry rules say
    why it cannot be logged), and so is a word that finds nothing (the rules name it unknown).
    Several matches: a UserError listing them (exit 2)."""
    text = word.strip()
    if not _norm(text) or plan.target(text) is not None:
        return text  # nothing typed: the rules ask for a target
    found = match_targets(plan, text)
    if not found:
        return text
    q = _norm(text)
    exact = [hit for hit in found if q.isdigit() or q in _terms(hit[1])]
    hits = exact or found
    if len(hits) == 1:
        return hits[0][1].id
    shorts = short_labels(plan)
    listed = "\n".join(f"  {i:>2} {t.id}  {shorts[t.id]}" for i, t in hits[:12])
    more = f"\n  ほか {len(hits) - 12} 件" if len(hits) > 12 else ""
    raise UserError(
        f"「{one_line(text)[:40]}」に当てはまる目標が {len(hits)} 件あります。"
        f"番号か id で指定してください:\n{listed}{more}",
        "ambiguous target",
    )


SHORT_WIDTH = 20  # cells: a derived short label fits a column of the 80-column screens


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in 「…」 when cut."""
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def short_labels(plan: Plan, width: int = SHORT_WIDTH) -> dict[str, str]:
    """Target id -> the short label (略称) screens and the command line show: the plan's
    `short`, else the label when it fits `width` cells, else one the program derives. No two
    are equal, so two targets never read the same at 80 columns."""
    targets = plan.targets()
    out = {t.id: t.short or _cut(t.label, width) for t in targets}
    # Derived labels that collide (「複合課題を有するケースにおけ…」 twice): drop the words
    # they share and keep what tells them apart.
    for group in _collisions(out, [t for t in targets if not t.short]):
        labels = [t.label for t in group]
        common = _shared_start(labels)
        for t in group:
            rest = t.label[common:] or t.label
            out[t.id] = _cut(rest if rest == t.label else "…" + rest, width)
    # Whatever still collides is numbered in plan order, so none is ever equal.
    used = set()
    for t in targets:
        name = out[t.id]
        n = 2
        while name in used:
            name = _cut(out[t.id], width - len(str(n)) - 1) + f" {n}"
            n += 1
        used.add(name)
        out[t.id] = name
    return out


def _shared_start(texts: list[str]) -> int:
    """How many leading characters all of `texts` share."""
    n = 0
    while all(len(t) > n and t[n] == texts[0][n] for t in texts):
        n += 1
    return n


def _collisions(out: dict[str, str], derived: list[Target]) -> list[list[Target]]:
    groups: dict[str, list[Target]] = {}
    for t in derived:
        groups.setdefault(out[t.id], []).append(t)
    return [g for g in groups.values() if len(g) > 1]


def recent_entries(fy: FiscalYear, target_ids: list[str], limit: int = 5) -> list:
    """The newest entries crediting any of `target_ids`."""
    seen: dict[str, entries.EntryRecord] = {}
    for tid in target_ids:
        for rec in entries.list_entries(fy.year, target=tid, limit=limit):
            seen[rec.uuid] = rec
    return sorted(seen.values(), key=lambda r: (r.date, r.created_at), reverse=True)[:limit]


def data_version() -> int:
    """A number that changes when someone wrote: SQLite's counter of commits by other
    connections (PRAGMA data_version) on this thread's connection. On PostgreSQL, the next
    transaction id the server will give (every writing transaction takes one; reads do not):
    it also moves for the app's own saves and other databases' writes, which only costs a
    reload. Neither reads a table."""
    if is_postgres(database):
        sql = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
        return int(database.execute_sql(sql).fetchall()[0][0])
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
