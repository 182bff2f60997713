"""The counting engine: the one place that says how a figure is counted.

Every figure on every screen, in `progress` and in every report view comes from `figures()`,
which reads the counters the store keeps (store/tallies.py), never the entries one by one:
- count:    the sum of the counts of the entries logged to the target; a month's figure is
            that month's sum;
- distinct: the number of distinct organisations among the entries of the source target; a
            month's figure is the organisations reached for the first time that month (so the
            months add up to the year); by area / coordinator, the organisations reached there;
- per_area: the number of areas whose entries (summed counts) reach the plan's minimum; a
            month's figure is the areas that reached it that month (the months add up); by
            area, the counts logged there; by coordinator, the areas each one's entries covered.
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
from chofu_tui.services import clock
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


def figure_unit(t: Target) -> str:
    """The unit of a target's figure as counted: 団体 (distinct), 圏域 (per_area), else its own."""
    if t.kind is TargetKind.DISTINCT:
        return "団体"
    if t.kind is TargetKind.PER_AREA:
        return "圏域"
    return t.unit


@dataclass(frozen=True)
class Figures:
    """One target's figures, as every screen and report view shows them."""

    actual: int
    by_area: dict[int, int]  # count: summed counts; distinct: organisations; per_area: counts
    months: tuple[int, ...] = ()  # 12 values 4月 .. 3月 (when asked for)
    by_coordinator: dict[str, int] = field(default_factory=dict)  # (when asked for)
    approaches: int | None = None  # distinct: the source target's summed counts
    areas_met: tuple[int, ...] = ()  # per_area: the areas that reached the minimum


def _per_area_months(cells: dict[int, list[int]], need: int) -> tuple[int, ...]:
    """Areas whose running total reaches `need`, in the month each one reached it."""
    months = [0] * 12
    for by_month in cells.values():
        running = 0
        for m, n in enumerate(by_month):
            running += n
            if running >= need:
                months[m] += 1
                break
    return tuple(months)


def figures(
    plan: Plan,
    until: dt.date | None = None,
    *,
    targets: list[Target] | None = None,
    area: int | None = None,
    coordinator: str | None = None,
    months: bool = False,
    coordinators: list[str] | None = None,
    year: bool = True,
) -> dict[str, Figures]:
    """The figures of `targets` (default: every target of the plan), from entries dated up to
    `until` (None: the whole year), in `area` / by `coordinator` when given.

    `months`: also the 12 monthly figures; `coordinators`: also a figure per coordinator named;
    `year=False` (with `months`): only the months, the year's figure being their sum (the
    months add up to the year by definition), for a screen that recomputes them after a save.
    Only the counters each part needs are read: progress_for asks for the year by area (a few
    hundred rows), the report for everything.
    """
    fy = plan.fy
    db = database.obj  # the open SqliteDatabase behind the proxy
    if until is not None and kept.whole_year(db, fy.year, until):
        until = None  # nothing dated later: the counters alone (one probe, not one a query)
    coordinator = clean_name(coordinator) if coordinator else None
    chosen = list(plan.targets()) if targets is None else targets
    area_nos = [a.no for a in plan.areas] if area is None else [area]
    sources = sorted({t.source or "" for t in chosen if t.kind is TargetKind.DISTINCT})
    per_area = sorted({t.id for t in chosen if t.kind is TargetKind.PER_AREA})

    # summed counts by target and area (every kind needs them: a distinct target's approaches)
    year = year or not months
    sums: dict[str, dict[int, int]] = defaultdict(dict)
    if year:
        for tid, a, total in kept.sums(db, fy.year, "area", area, coordinator, until):
            sums[tid][a] = int(total)
    # organisations of the distinct targets' sources: by area and overall
    orgs: dict[str, dict[int, int]] = defaultdict(dict)
    orgs_total: dict[str, int] = {}
    if sources and year:
        for tid, a, n in kept.distinct_orgs(db, fy.year, "area", area, coordinator, sources, until):
            orgs[tid][a] = int(n)
        for tid, n in kept.distinct_orgs(db, fy.year, None, area, coordinator, sources, until):
            orgs_total[tid] = int(n)

    month_sums: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    area_months: dict[str, dict[int, list[int]]] = defaultdict(dict)
    first: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    if months:
        for tid, m, total in kept.sums(db, fy.year, "month", area, coordinator, until):
            month_sums[tid][(int(m) - 4) % 12] += int(total)
        if per_area:
            keys = ("area", "month")
            for tid, a, m, total in kept.grouped_sums(
                db, fy.year, keys, per_area, area, coordinator, until
            ):
                area_months[tid].setdefault(a, [0] * 12)[(int(m) - 4) % 12] += int(total)
        if sources:
            for tid, fm, n in kept.first_months(db, fy.year, sources, area, coordinator, until):
                first[tid][int(fm)] = int(n)

    coord_sums: dict[str, dict[str, int]] = defaultdict(dict)
    coord_area: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    coord_orgs: dict[str, dict[str, int]] = defaultdict(dict)
    if coordinators is not None:
        keys = ("coordinator", "area")
        for tid, c, a, total in kept.grouped_sums(
            db, fy.year, keys, None, area, coordinator, until
        ):
            coord_sums[tid][c or ""] = coord_sums[tid].get(c or "", 0) + int(total)
            coord_area[tid][c or ""][a] = int(total)
        if sources:
            rows = kept.distinct_orgs(db, fy.year, "coordinator", area, coordinator, sources, until)
            for tid, c, n in rows:
                coord_orgs[tid][c or ""] = int(n)

    out: dict[str, Figures] = {}
    if not year:
        for t in chosen:
            if t.kind is TargetKind.DISTINCT:
                series = tuple(first[t.source or ""])
            elif t.kind is TargetKind.PER_AREA:
                cells = {a: area_months[t.id][a] for a in area_nos if a in area_months[t.id]}
                series = _per_area_months(cells, t.per_area_min or 1)
            else:
                series = tuple(month_sums[t.id])
            out[t.id] = Figures(actual=sum(series), by_area={}, months=series)
        return out
    for t in chosen:
        if t.kind is TargetKind.DISTINCT:
            src = t.source or ""
            out[t.id] = Figures(
                actual=orgs_total.get(src, 0),
                by_area={a: orgs[src].get(a, 0) for a in area_nos},
                months=tuple(first[src]) if months else (),
                by_coordinator={c: coord_orgs[src].get(c, 0) for c in coordinators or ()},
                approaches=sum(sums[src].values()),
            )
        elif t.kind is TargetKind.PER_AREA:
            need = t.per_area_min or 1
            by_area = {a: sums[t.id].get(a, 0) for a in area_nos}
            met = tuple(a for a in area_nos if by_area[a] >= need)
            cells = {a: area_months[t.id][a] for a in area_nos if a in area_months[t.id]}
            out[t.id] = Figures(
                actual=len(met),
                by_area=by_area,
                months=_per_area_months(cells, need) if months else (),
                by_coordinator={
                    c: sum(1 for n in coord_area[t.id][c].values() if n >= need)
                    for c in coordinators or ()
                },
                areas_met=met,
            )
        else:
            out[t.id] = Figures(
                actual=sum(sums[t.id].values()),
                by_area={a: sums[t.id].get(a, 0) for a in area_nos},
                months=tuple(month_sums[t.id]) if months else (),
                by_coordinator={c: coord_sums[t.id].get(c, 0) for c in coordinators or ()},
            )
    return out


def year_coordinators(plan: Plan, until: dt.date | None = None) -> list[str]:
    """The plan's coordinators in its roster order, then any other name found on the year's
    entries in 圏域 order (the area most of their entries are in), then by name; the unnamed
    last."""
    fy = plan.fy
    found = set(
        kept.coordinators(database.obj, fy.year, None if until and until >= fy.end else until)
    )
    ordered = [c.name for c in plan.coordinators]
    others = [n for n in found if n not in ordered]
    if not others:
        return ordered
    main_area: dict[str, tuple[int, int]] = {}  # name -> (entries, -area) at its best
    for name, area, n in database.obj.execute_sql(
        "SELECT coordinator, area, SUM(entries) FROM tally WHERE fiscal_year = ?"
        " GROUP BY coordinator, area",
        (fy.year,),
    ):
        main_area[name] = max(main_area.get(name, (0, 0)), (int(n), -int(area)))
    return ordered + sorted(others, key=lambda n: (n == "", -main_area.get(n, (0, -(10**6)))[1], n))


def share_of(
    plan: Plan, target: Target, area: int | None = None, coordinator: str | None = None
) -> int:
    """A scope's share of a target: the whole target for the city (no area, no coordinator);
    for an area (or a coordinator, whose area is the roster's): the plan's allocation for that
    area where it gives one, else the target divided by the number of areas, rounded up.
    A per-area target becomes "is my area covered?": 1. A coordinator with no area on the
    roster gets the even share."""
    if area is None and coordinator is None:
        return target.target
    if target.kind is TargetKind.PER_AREA:
        return 1
    if area is None and coordinator is not None:
        name = clean_name(coordinator)
        area = next((c.area for c in plan.coordinators if c.name == name), None)
    given = plan.allocation.get(target.id, {})
    if area is not None and str(area) in given:
        return given[str(area)]
    return -(-target.target // max(len(plan.areas), 1))


def progress_for(
    plan: Plan,
    as_of: dt.date | None = None,
    *,
    area: int | None = None,
    coordinator: str | None = None,
) -> YearProgress:
    fy = plan.fy
    # no date given: the clock's today (not the CHOFU_TUI_TODAY pin, as before), in the year
    as_of = as_of or clock.as_of_for(fy, clock.today())
    clock.check_as_of(fy, as_of)
    fraction = fy.elapsed_fraction(as_of)
    counted = figures(plan, as_of, area=area, coordinator=coordinator)
    result = YearProgress(plan, as_of, area, coordinator)
    n_areas = len(plan.areas) if area is None else 1
    for pa in plan.program_areas:
        for ini in pa.initiatives:
            for t in ini.targets:
                fig = counted[t.id]
                # the scope's share (the city's target when neither is given); per-area in
                # one area: has it been covered?
                goal = share_of(plan, t, area, coordinator)
                expected = goal * fraction
                projected = fig.actual / fraction if fraction > 0 else 0.0
                if t.kind is TargetKind.PER_AREA:
                    projected = min(projected, float(n_areas))
                result.targets.append(
                    TargetProgress(
                        target=t,
                        program_area=pa,
                        initiative=ini,
                        goal=goal,
                        actual=fig.actual,
                        expected_by_as_of=round(expected, 1),
                        projected=round(projected, 1),
                        status=status_for(fig.actual, expected, goal),
                        by_area=fig.by_area,
                        approaches=fig.approaches,
                        areas_met=fig.areas_met,
                    )
                )
    return result


def monthly(
    plan: Plan,
    *,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
) -> dict[str, list[int]]:
    """Each target's figure month by month, 4月 .. 3月 (12 values): the report's monthly view.

    count: the summed counts of the month; distinct: the organisations reached for the first
    time that month; per_area: the areas that reached the minimum that month. The months add
    up to the year's figure.
    """
    counted = figures(plan, until, area=area, coordinator=coordinator, months=True, year=False)
    return {tid: list(f.months) for tid, f in counted.items()}


def approached_monthly(
    plan: Plan, *, area: int | None = None, coordinator: str | None = None
) -> dict[str, list[int]]:
    """For each distinct target: the organisations approached in each month (an organisation
    seen in two months counts in both; so these do not add up to the year, see monthly())."""
    coordinator = clean_name(coordinator) if coordinator else None
    sources = sorted({t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT})
    orgs: dict[str, list[int]] = defaultdict(lambda: [0] * 12)
    if sources:
        rows = kept.distinct_orgs(database.obj, plan.fy.year, "month", area, coordinator, sources)
        for tid, m, n_orgs in rows:
            orgs[tid][(int(m) - 4) % 12] = int(n_orgs)
    return {
        t.id: list(orgs[t.source or ""]) for t in plan.targets() if t.kind is TargetKind.DISTINCT
    }


NO_COORDINATOR = "(未設定)"  # the heading of entries logged without a coordinator
MONTH_LABELS = tuple(f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3))
BREAKDOWNS = ("month", "area", "coordinator")


@dataclass(frozen=True)
class BreakdownRow:
    target: Target
    unit: str
    goal: int
    actual: int
    values: tuple[int, ...]  # one per Breakdown.columns


@dataclass(frozen=True)
class Breakdown:
    """Each target's figure by month, area or coordinator: the report's monthly, area and
    coordinator views (the same engine, the same numbers), for `progress --by`."""

    plan: Plan
    as_of: dt.date
    by: str
    columns: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]


def breakdown(
    plan: Plan,
    as_of: dt.date,
    by: str,
    *,
    area: int | None = None,
    coordinator: str | None = None,
) -> Breakdown:
    fy = plan.fy
    clock.check_as_of(fy, as_of)
    if by not in BREAKDOWNS:
        raise UserError(
            f"--by {by!r} には対応していません (month, area, coordinator)", "unknown breakdown"
        )
    names = year_coordinators(plan, as_of) if by == "coordinator" else None
    counted = figures(
        plan,
        as_of,
        area=area,
        coordinator=coordinator,
        months=by == "month",
        coordinators=names,
    )
    if by == "month":
        columns = MONTH_LABELS
    elif by == "area":
        columns = tuple(f"{a.no} {a.name}" for a in plan.areas if area in (None, a.no))
    else:
        columns = tuple(c or NO_COORDINATOR for c in names or ())
    rows = []
    for t in plan.targets():
        fig = counted[t.id]
        if by == "month":
            values = fig.months
        elif by == "area":
            values = tuple(fig.by_area.values())
        else:
            values = tuple(fig.by_coordinator.values())
        rows.append(BreakdownRow(t, figure_unit(t), t.target, fig.actual, values))
    return Breakdown(plan, as_of, by, columns, tuple(rows))
