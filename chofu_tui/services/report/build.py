"""Building the report: the plan's targets (program area -> initiative -> target), each with
the figures of the counting engine (services/progress.figures, the one definition of every
figure), and the notes of the entries dated up to the as-of date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Initiative, Plan, ProgramArea, Target, TargetKind
from chofu_tui.services import evaluations, progress
from chofu_tui.services.clock import check_as_of
from chofu_tui.services.report import records
from chofu_tui.services.report.model import (
    NO_COORDINATOR,
    Note,
    NoteGroup,
    Report,
    TargetRow,
)


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


def build_report(
    plan: Plan,
    as_of: dt.date,
    *,
    subsidy_only: bool = False,
    include_cases: bool = False,
) -> Report:
    fy = plan.fy
    check_as_of(fy, as_of)
    until = as_of  # every read keeps to the fiscal year: a later day is its end
    chosen: list[tuple[ProgramArea, Initiative, Target]] = [
        (pa, ini, t)
        for pa in plan.program_areas
        for ini in pa.initiatives
        if ini.subsidy or not subsidy_only
        for t in ini.targets
    ]
    sources = {t.source for _, _, t in chosen if t.kind is TargetKind.DISTINCT and t.source}
    counted = {t.id for _, _, t in chosen if t.kind is not TargetKind.DISTINCT} | sources
    coords = progress.year_coordinators(plan, until)
    # the one engine: the same counters and definitions as the screens and `progress`
    figures = progress.figures(
        plan, until, targets=[t for _, _, t in chosen], months=True, coordinators=coords
    )
    rows: list[TargetRow] = []
    for pa, ini, t in chosen:
        fig = figures[t.id]
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
                unit=progress.figure_unit(t),
                goal=goal,
                actual=fig.actual,
                months=fig.months,
                by_area=tuple(fig.by_area.values()),
                by_coordinator=tuple(fig.by_coordinator.values()),
                basis=_basis(plan, t, goal, fig.approaches or 0),
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
        notes=_notes(plan, chosen, records.note_rows(fy.year, until), include_cases),
        entry_count=records.entry_count(fy.year, until, counted),
        evaluations=_evaluations(fy, chosen),
    )


def _evaluations(
    fy: FiscalYear, chosen: list[tuple[ProgramArea, Initiative, Target]]
) -> dict[str, str]:
    """The year's 評価・課題 of the initiatives in the report (written for it: always printed)."""
    shown = {ini.id for _, ini, _ in chosen}
    return {k: v for k, v in evaluations.all_for(fy).items() if k in shown}


def _notes(
    plan: Plan,
    chosen: list[tuple[ProgramArea, Initiative, Target]],
    rows: list[records.NoteRow],
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


def build_report_in_worker(
    plan: Plan, as_of: dt.date, *, subsidy_only: bool = False, include_cases: bool = False
) -> Report:
    """build_report from a worker thread: on a connection of its own, closed afterwards
    (screens do not reach the store themselves)."""
    from chofu_tui.store import database

    with database.connection_context():
        return build_report(plan, as_of, subsidy_only=subsidy_only, include_cases=include_cases)
