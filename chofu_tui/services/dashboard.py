"""What the screens show, gathered in one call each (no Textual here)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog, Target
from chofu_tui.plan.loader import LoadedPlan
from chofu_tui.services import entries, progress
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


def as_of_for(fy: FiscalYear, today: dt.date) -> dt.date:
    """Today inside the shown year; its last day for a past year, its first for a future one."""
    return min(max(today, fy.start), fy.end)


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
