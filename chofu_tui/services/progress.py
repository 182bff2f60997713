"""How far each target has come: the one place that says how a figure is counted.

- count:    the sum of the counts of the entries logged to the target;
- distinct: the number of distinct organisations among the entries of the source target;
- per_area: the number of areas whose entries (summed counts) reach the plan's minimum.
The pace is even through the fiscal year: by day d of 365, a target T calls for T * d / 365.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Initiative, Plan, ProgramArea, Target, TargetKind
from chofu_tui.services.entries import clean_name
from chofu_tui.store import tallies as kept
from chofu_tui.store.models import database


class Status(StrEnum):
    AHEAD = "ahead"
    ON_PACE = "on_pace"
    BEHIND = "behind"

    @property
    def label(self) -> str:
        return {"ahead": "先行", "on_pace": "順調", "behind": "遅れ"}[self.value]


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    program_area: ProgramArea
    initiative: Initiative
    goal: int  # the plan's figure; for per_area, the number of areas to cover
    actual: int
    expected_by_as_of: float
    projected: float
    status: Status
    by_area: dict[int, int]  # count: summed counts; distinct: organisations; per_area: counts
    approaches: int | None = None  # distinct: the source target's figure behind the groups
    areas_met: tuple[int, ...] = ()  # per_area: the areas that reached the minimum

    @property
    def ratio(self) -> float:
        return self.actual / self.goal if self.goal else 1.0


@dataclass(frozen=True)
class YearProgress:
    plan: Plan
    as_of: dt.date
    area: int | None
    coordinator: str | None
    targets: list[TargetProgress] = field(default_factory=list)

    @property
    def fy(self) -> FiscalYear:
        return self.plan.fy

    def get(self, target_id: str) -> TargetProgress:
        return next(t for t in self.targets if t.target.id == target_id)


def status_for(actual: float, expected: float, goal: float) -> Status:
    # A band of 10% (at least half an activity) around the even pace counts as on pace,
    # so a target of 1 is not "behind" on the first day of the year.
    if goal and actual >= goal:
        return Status.AHEAD if expected < goal else Status.ON_PACE
    tolerance = max(0.1 * expected, 0.5)
    if actual > expected + tolerance:
        return Status.AHEAD
    if actual < expected - tolerance:
        return Status.BEHIND
    return Status.ON_PACE


def tallies(
    fiscal_year: int,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
) -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]], dict[str, int]]:
    """Summed counts by target and area; distinct organisations by target and area, and overall.

    `until` leaves out entries dated after it (a figure as of a past date).
    Read from the counters the store keeps (store/tallies.py): a few hundred rows a year,
    however many entries there are."""
    return _tallies(fiscal_year, area, coordinator, until)


def _tallies(
    fiscal_year: int,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
    org_targets: set[str] | None = None,
) -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]], dict[str, int]]:
    """tallies(), counting organisations only for `org_targets` (None: for every target)."""
    coordinator = clean_name(coordinator) if coordinator else None
    sums: dict[str, dict[int, int]] = defaultdict(dict)
    orgs: dict[str, dict[int, int]] = defaultdict(dict)
    orgs_total: dict[str, int] = {}
    db = database.obj  # the open SqliteDatabase behind the proxy
    for tid, a, total in kept.sums(db, fiscal_year, "area", area, coordinator, until):
        sums[tid][a] = int(total)
        orgs[tid][a] = 0  # every (target, area) with entries has a figure, 0 without orgs
        orgs_total[tid] = 0
    targets = None if org_targets is None else sorted(org_targets)
    by_area = kept.distinct_orgs(db, fiscal_year, "area", area, coordinator, targets, until)
    for tid, a, n_orgs in by_area:
        orgs[tid][a] = int(n_orgs)
    for tid, n_orgs in kept.distinct_orgs(db, fiscal_year, None, area, coordinator, targets, until):
        orgs_total[tid] = int(n_orgs)
    return sums, orgs, orgs_total


def progress_for(
    plan: Plan,
    as_of: dt.date | None = None,
    *,
    area: int | None = None,
    coordinator: str | None = None,
) -> YearProgress:
    as_of = as_of or min(dt.date.today(), plan.fy.end)
    fy = plan.fy
    if as_of < fy.start:
        raise UserError(
            f"基準日 {as_of.isoformat()} は{fy.label} ({fy.start.isoformat()}〜) より前です",
            "as-of date is before the fiscal year",
        )
    fraction = fy.elapsed_fraction(as_of)
    # organisations are counted only where a distinct target needs them
    sources = {t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT}
    until = as_of if as_of < fy.end else None
    sums, orgs, orgs_total = _tallies(fy.year, area, coordinator, until, sources)
    result = YearProgress(plan, as_of, area, coordinator)
    area_nos = [a.no for a in plan.areas] if area is None else [area]
    for pa in plan.program_areas:
        for ini in pa.initiatives:
            for t in ini.targets:
                goal = t.target
                approaches = None
                met: tuple[int, ...] = ()
                if t.kind is TargetKind.COUNT:
                    by_area = {a: sums[t.id].get(a, 0) for a in area_nos}
                    actual = sum(by_area.values())
                elif t.kind is TargetKind.DISTINCT:
                    src = t.source or ""
                    by_area = {a: orgs[src].get(a, 0) for a in area_nos}
                    actual = orgs_total.get(src, 0)
                    approaches = sum(sums[src].values())
                else:
                    by_area = {a: sums[t.id].get(a, 0) for a in area_nos}
                    need = t.per_area_min or 1
                    met = tuple(a for a in area_nos if by_area[a] >= need)
                    actual = len(met)
                    if area is not None:
                        goal = 1  # one area asked for: has it been covered?
                expected = goal * fraction
                projected = actual / fraction if fraction > 0 else 0.0
                if t.kind is TargetKind.PER_AREA:
                    projected = min(projected, float(len(area_nos)))
                result.targets.append(
                    TargetProgress(
                        target=t,
                        program_area=pa,
                        initiative=ini,
                        goal=goal,
                        actual=actual,
                        expected_by_as_of=round(expected, 1),
                        projected=round(projected, 1),
                        status=status_for(actual, expected, goal),
                        by_area=by_area,
                        approaches=approaches,
                        areas_met=met,
                    )
                )
    return result


def monthly(
    plan: Plan, *, area: int | None = None, coordinator: str | None = None
) -> dict[str, list[int]]:
    """Each target's figure month by month, 4月 .. 3月 (12 values).

    count and per_area: the summed counts of the month; distinct: the organisations
    approached in that month (an organisation seen in two months counts in both).
    """
    fy = plan.fy
    coordinator = clean_name(coordinator) if coordinator else None
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    orgs: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    db = database.obj
    for tid, m, total in kept.sums(db, fy.year, "month", area, coordinator):
        sums[tid][(int(m) - 4) % 12] = int(total)
    # organisations matter only where a distinct target counts them
    sources = sorted({t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT})
    for tid, m, n_orgs in kept.distinct_orgs(db, fy.year, "month", area, coordinator, sources):
        orgs[tid][(int(m) - 4) % 12] = int(n_orgs)
    out: dict[str, list[int]] = {}
    for t in plan.targets():
        if t.kind is TargetKind.DISTINCT:
            out[t.id] = list(orgs[t.source or ""])
        else:
            out[t.id] = list(sums[t.id])
    return out
