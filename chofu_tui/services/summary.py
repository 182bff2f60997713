"""What was logged in a week or a month, by target: what a coordinator brings to the weekly
team meeting. One headless function for `summary` on the command line and the app's screen."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from chofu_tui.errors import UserError
from chofu_tui.plan import Plan
from chofu_tui.safetext import one_line
from chofu_tui.services.entries import clean_name
from chofu_tui.services.progress import figure_unit
from chofu_tui.store.models import Entry, EntryTarget, Organisation

PERIODS = ("week", "month")


@dataclass(frozen=True)
class SummaryRow:
    target_id: str
    label: str  # the short label (略称), as screens show it
    unit: str
    entries: int  # entries crediting the target
    count: int  # their summed counts
    organisations: tuple[str, ...]  # the organisations met, by name


@dataclass(frozen=True)
class Summary:
    period: str  # "week" (Monday to Sunday) or "month"
    start: dt.date
    end: dt.date
    coordinator: str | None
    entries: int  # entries in the period (an entry crediting two targets counts once)
    rows: tuple[SummaryRow, ...]  # in plan order; only targets with entries

    @property
    def title(self) -> str:
        if self.period == "month":
            head = f"{self.start.year}年{self.start.month}月"
        else:
            head = f"{self.start.isoformat()}〜{self.end.isoformat()} の週"
        return head + (f" ({self.coordinator})" if self.coordinator else "")


def period_of(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday to Sunday) or the calendar month containing `day`."""
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    raise UserError(f"期間 {period!r} には対応していません (week, month)", "unknown period")


def summarize(plan: Plan, period: str, day: dt.date, *, coordinator: str | None = None) -> Summary:
    """What was logged in the week or month containing `day` (by `coordinator` when given)."""
    from chofu_tui.services.year_view import short_labels

    start, end = period_of(period, day)
    name = clean_name(coordinator) if coordinator else None
    query = (
        Entry.select(Entry.id, Entry.count, Entry.organisation, EntryTarget.target_id)
        .join(EntryTarget)
        .where(
            (Entry.date >= start) & (Entry.date <= end) & (Entry.deleted == False)  # noqa: E712 - peewee expression
        )
    )
    if name:
        query = query.where(Entry.coordinator == name)
    seen: set[int] = set()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    org_ids: dict[str, set[int]] = defaultdict(set)
    rows = cast("Iterable[tuple[int, int, int | None, str]]", query.tuples())
    for entry_id, count, org_id, tid in rows:
        seen.add(entry_id)
        counts[tid][0] += 1
        counts[tid][1] += count
        if org_id is not None:
            org_ids[tid].add(org_id)
    names = _organisation_names({o for ids in org_ids.values() for o in ids})
    shorts = short_labels(plan)
    units = {t.id: figure_unit(t) for t in plan.targets()}
    order = [t.id for t in plan.targets()]
    # a target another year's plan names (a week across 1 April) comes last, by its id
    ordered = sorted(counts, key=lambda t: (order.index(t) if t in order else len(order), t))
    found = tuple(
        SummaryRow(
            target_id=tid,
            label=shorts.get(tid, tid),
            unit=units.get(tid, ""),
            entries=counts[tid][0],
            count=counts[tid][1],
            organisations=tuple(sorted({names[o] for o in org_ids[tid]})),
        )
        for tid in ordered
    )
    return Summary(period, start, end, name, len(seen), found)


def _organisation_names(ids: set[int]) -> dict[int, str]:
    """Each organisation's shown name (the one it was merged into, where it was merged)."""
    out: dict[int, str] = {}
    if not ids:
        return out
    rows = {o.id: o for o in Organisation.select().where(Organisation.id.in_(sorted(ids)))}
    for oid, org in rows.items():
        for _ in range(20):  # a merge chain ends at the kept organisation (bounded: no loops)
            if org.merged_into_id is None:
                break
            nxt = Organisation.get_or_none(Organisation.id == org.merged_into_id)
            if nxt is None:
                break
            org = nxt
        out[oid] = one_line(org.name)
    return out
