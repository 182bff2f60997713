"""The report for the city: 実績 against 目標 by month, quarter, area and coordinator.

`build_report` follows the plan (program area -> initiative -> target) and counts each target
the way progress.py does, from entries dated up to the as-of date:
- count:    summed counts; a month's figure is that month's sum;
- distinct: organisations reached through the source target; a month's figure is the
            organisations reached for the first time that month, so the months add up;
- per_area: areas that reached the plan's minimum; a month's figure is the areas that
            reached it that month, so the months add up to the areas covered.
Writers (report_xlsx, report_csv, report_text) take the Report; nothing here imports Textual.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear, wareki_date
from chofu_tui.plan import Initiative, Plan, ProgramArea, Target, TargetKind
from chofu_tui.services import report_query as q

MONTH_LABELS = tuple(f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3))
QUARTER_LABELS = ("第1四半期", "第2四半期", "第3四半期", "第4四半期")
NO_COORDINATOR = "(未設定)"
SUBSIDY_MARK = "※"


@dataclass(frozen=True)
class TargetRow:
    """One target's figures for the year."""

    program_area: str  # Ⅰ 相談支援
    initiative_id: str
    initiative: str  # 取組 and its title
    subsidy: bool  # ※ 生活困窮者等の支援に向けた地域づくり事業
    target_id: str
    label: str
    kind: TargetKind
    unit: str  # the unit of the figure as counted: 回, 件, 団体, 圏域
    goal: int
    actual: int
    months: tuple[int, ...]  # 12 values, 4月 .. 3月
    by_area: tuple[int, ...]  # one value per Report.areas
    by_coordinator: tuple[int, ...]  # one value per Report.coordinators
    basis: str  # how the figure is counted, in words

    @property
    def rate(self) -> float | None:
        return self.actual / self.goal if self.goal else None

    @property
    def quarters(self) -> tuple[int, ...]:
        return tuple(sum(self.months[i : i + 3]) for i in range(0, 12, 3))


@dataclass(frozen=True)
class Note:
    date: dt.date
    area: int
    area_name: str
    coordinator: str
    organisation: str | None
    targets: tuple[str, ...]  # labels of the initiative's targets the entry credited
    count: int
    text: str
    case_code: str | None  # only when the report includes cases


@dataclass(frozen=True)
class NoteGroup:
    """The notes of one initiative, gathered under its 質的目標."""

    program_area: str
    initiative_id: str
    initiative: str
    subsidy: bool
    qualitative_goal: str
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Report:
    fy: FiscalYear
    plan_title: str
    as_of: dt.date
    subsidy_only: bool
    include_cases: bool
    subsidy_program: str
    areas: tuple[tuple[int, str], ...]  # (no, name) for the 8 圏域
    coordinators: tuple[str, ...]
    rows: tuple[TargetRow, ...]
    notes: tuple[NoteGroup, ...]
    entry_count: int

    @property
    def title(self) -> str:
        scope = f" ({SUBSIDY_MARK}{self.subsidy_program})" if self.subsidy_only else ""
        return f"{self.fy.label} 地域福祉コーディネーター事業 実績報告{scope}"

    @property
    def as_of_label(self) -> str:
        return f"{wareki_date(self.as_of)}現在"

    @property
    def empty_message(self) -> str | None:
        """Said when the year has no entries yet: the report is all zeros."""
        if self.entry_count:
            return None
        scope = "対象事業の" if self.subsidy_only else ""
        return (
            f"{self.fy.label}の{scope}記録はまだありません ({self.as_of_label})。すべて0の報告です"
        )

    def row(self, target_id: str) -> TargetRow:
        return next(r for r in self.rows if r.target_id == target_id)


def report_as_of(fy: FiscalYear, today: dt.date) -> dt.date:
    """The default as-of date: today, kept within the fiscal year (a past year ends on 3/31)."""
    return min(max(today, fy.start), fy.end)


def _initiative_title(ini: Initiative) -> str:
    return f"{ini.heading} {ini.title}"


def _basis(plan: Plan, t: Target, goal: int, approaches: int) -> str:
    if t.kind is TargetKind.DISTINCT:
        src = plan.target(t.source or "")
        unit = src.unit if src else "回"
        return f"働きかけた団体の数 (重複なし。元の働きかけ {approaches}{unit})"
    if t.kind is TargetKind.PER_AREA:
        return f"{t.per_area_min or 1}{t.unit}以上実施した圏域の数 (目標 {goal}圏域)"
    return f"{t.unit}数の合計"


def _per_area_months(cells: dict[int, list[int]], need: int) -> list[int]:
    """Areas whose running total reaches `need` in each month."""
    months = [0] * 12
    for by_month in cells.values():
        running = 0
        for m, n in enumerate(by_month):
            running += n
            if running >= need:
                months[m] += 1
                break
    return months


@dataclass(frozen=True)
class _Figures:
    unit: str
    actual: int
    months: tuple[int, ...]
    by_area: tuple[int, ...]
    by_coordinator: tuple[int, ...]
    approaches: int = 0  # distinct: the source target's summed counts


class _Tally:
    """The grouped rows of a year, counted the three ways a target can be counted."""

    def __init__(
        self,
        cells: list[q.CountCell],
        reach: list[q.OrgReach],
        area_nos: list[int],
        coordinators: list[str],
    ) -> None:
        self.area_nos = area_nos
        self.coordinators = coordinators
        self.reach = reach
        # target -> area -> month -> sum, and target -> coordinator -> area -> sum
        self.area_month: dict[str, dict[int, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0] * 12)
        )
        self.coord_area: dict[str, dict[str, dict[int, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int))
        )
        for c in cells:
            self.area_month[c.target_id][c.area][c.month] += c.total
            self.coord_area[c.target_id][c.coordinator][c.area] += c.total

    def _area_sums(self, target_id: str) -> tuple[int, ...]:
        months = self.area_month[target_id]
        return tuple(sum(months[a]) if a in months else 0 for a in self.area_nos)

    def count(self, target_id: str, unit: str) -> _Figures:
        """count: the summed counts of the target's entries."""
        area_months = self.area_month[target_id]
        months = tuple(sum(am[m] for am in area_months.values()) for m in range(12))
        return _Figures(
            unit=unit,
            actual=sum(months),
            months=months,
            by_area=self._area_sums(target_id),
            by_coordinator=tuple(
                sum(self.coord_area[target_id][c].values()) for c in self.coordinators
            ),
        )

    def distinct(self, source_id: str) -> _Figures:
        """distinct: organisations reached through the source target, each counted once,
        in the month it was first reached."""
        first: dict[int, dt.date] = {}
        area_orgs: dict[int, set[int]] = defaultdict(set)
        coord_orgs: dict[str, set[int]] = defaultdict(set)
        for r in self.reach:
            if r.target_id != source_id:
                continue
            if r.organisation not in first or r.first < first[r.organisation]:
                first[r.organisation] = r.first
            area_orgs[r.area].add(r.organisation)
            coord_orgs[r.coordinator].add(r.organisation)
        months = [0] * 12
        for day in first.values():
            months[(day.month - 4) % 12] += 1
        return _Figures(
            unit="団体",
            actual=len(first),
            months=tuple(months),
            by_area=tuple(len(area_orgs[a]) for a in self.area_nos),
            by_coordinator=tuple(len(coord_orgs[c]) for c in self.coordinators),
            approaches=sum(sum(v) for v in self.area_month[source_id].values()),
        )

    def per_area(self, target_id: str, need: int) -> _Figures:
        """per_area: areas whose entries reach `need`, in the month they reached it; by area,
        the counts logged there; by coordinator, the areas each one's entries covered."""
        by_area = self._area_sums(target_id)
        area_months = self.area_month[target_id]
        return _Figures(
            unit="圏域",
            actual=sum(1 for n in by_area if n >= need),
            months=tuple(
                _per_area_months(
                    {a: area_months[a] for a in self.area_nos if a in area_months}, need
                )
            ),
            by_area=by_area,
            by_coordinator=tuple(
                sum(1 for n in self.coord_area[target_id][c].values() if n >= need)
                for c in self.coordinators
            ),
        )


def build_report(
    plan: Plan,
    as_of: dt.date,
    *,
    subsidy_only: bool = False,
    include_cases: bool = False,
) -> Report:
    fy = plan.fy
    if as_of < fy.start:
        raise UserError(
            f"基準日 {as_of.isoformat()} は{fy.label}の開始 ({fy.start.isoformat()}) より前です",
            "as-of date before the fiscal year",
        )
    until = min(as_of, fy.end)
    chosen: list[tuple[ProgramArea, Initiative, Target]] = [
        (pa, ini, t)
        for pa in plan.program_areas
        for ini in pa.initiatives
        if ini.subsidy or not subsidy_only
        for t in ini.targets
    ]
    sources = {t.source for _, _, t in chosen if t.kind is TargetKind.DISTINCT and t.source}
    counted = {t.id for _, _, t in chosen if t.kind is not TargetKind.DISTINCT} | sources

    cells = q.count_cells(fy.year, until, counted)
    reach = q.org_reach(fy.year, until, sources)

    area_nos = [a.no for a in plan.areas]
    names = set(q.coordinators(fy.year, until))
    ordered = [c.name for c in plan.coordinators]
    coords = ordered + sorted(n for n in names if n not in ordered)

    tally = _Tally(cells, reach, area_nos, coords)
    rows: list[TargetRow] = []
    for pa, ini, t in chosen:
        if t.kind is TargetKind.DISTINCT:
            fig = tally.distinct(t.source or "")
        elif t.kind is TargetKind.PER_AREA:
            fig = tally.per_area(t.id, t.per_area_min or 1)
        else:
            fig = tally.count(t.id, t.unit)
        goal = t.target
        rows.append(
            TargetRow(
                program_area=pa.title,
                initiative_id=ini.id,
                initiative=_initiative_title(ini),
                subsidy=ini.subsidy,
                target_id=t.id,
                label=t.label,
                kind=t.kind,
                unit=fig.unit,
                goal=goal,
                actual=fig.actual,
                months=fig.months,
                by_area=fig.by_area,
                by_coordinator=fig.by_coordinator,
                basis=_basis(plan, t, goal, fig.approaches),
            )
        )

    return Report(
        fy=fy,
        plan_title=plan.title,
        as_of=as_of,
        subsidy_only=subsidy_only,
        include_cases=include_cases,
        subsidy_program=plan.subsidy_program,
        areas=tuple((a.no, a.name) for a in plan.areas),
        coordinators=tuple(c or NO_COORDINATOR for c in coords),
        rows=tuple(rows),
        notes=_notes(plan, chosen, q.note_rows(fy.year, until), include_cases),
        entry_count=q.entry_count(fy.year, until, counted),
    )


def _notes(
    plan: Plan,
    chosen: list[tuple[ProgramArea, Initiative, Target]],
    rows: list[q.NoteRow],
    include_cases: bool,
) -> tuple[NoteGroup, ...]:
    """One pass over the noted entries: each goes under every initiative it credits."""
    initiative_of: dict[str, Initiative] = {}
    label_of: dict[str, str] = {}
    for _, ini, t in chosen:
        initiative_of[t.id] = ini
        label_of[t.id] = t.label
    gathered: dict[str, list[Note]] = defaultdict(list)
    area_names = {a.no: a.name for a in plan.areas}
    for r in rows:
        per_ini: dict[str, list[str]] = defaultdict(list)
        for tid in r.targets:
            if tid in initiative_of:
                per_ini[initiative_of[tid].id].append(label_of[tid])
        for ini_id, labels in per_ini.items():
            gathered[ini_id].append(
                Note(
                    date=r.date,
                    area=r.area,
                    area_name=area_names.get(r.area, ""),
                    coordinator=r.coordinator or NO_COORDINATOR,
                    organisation=r.organisation,
                    targets=tuple(labels),
                    count=r.count,
                    text=r.note,
                    case_code=r.case_code if include_cases else None,
                )
            )
    groups: list[NoteGroup] = []
    seen: set[str] = set()
    for pa, ini, _ in chosen:
        if ini.id in seen:
            continue
        seen.add(ini.id)
        groups.append(
            NoteGroup(
                program_area=pa.title,
                initiative_id=ini.id,
                initiative=_initiative_title(ini),
                subsidy=ini.subsidy,
                qualitative_goal=ini.qualitative_goal.strip(),
                notes=tuple(gathered.get(ini.id, ())),
            )
        )
    return tuple(groups)
