"""Building the report: the plan's targets (program area -> initiative -> target), each with
the figures of the counting engine (services/progress.figures, the one definition of every
figure), and the notes of the entries dated up to the as-of date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Initiative, Plan, ProgramArea, Target, TargetKind
from chofu_tui.services import clock, progress
from chofu_tui.services import evaluations as evaluation_texts
from chofu_tui.services.clock import check_as_of
from chofu_tui.services.report import records
from chofu_tui.services.report.model import (
    NO_COORDINATOR,
    InitiativeText,
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
    include_notes: bool = False,
    gather_notes: bool | None = None,
    made: dt.date | None = None,
    evaluations: dict[str, str] | None = None,
) -> Report:
    """The report as of `as_of` (a day after the year's end is its end).

    `include_notes` prints the free-text notes (personal information); `gather_notes` reads
    them (default: only when printed; the screen shows them without printing them).
    `made` is the 作成日 (default: today)."""
    fy = plan.fy
    check_as_of(fy, as_of)
    as_of = min(as_of, fy.end)
    until = as_of
    chosen: list[tuple[ProgramArea, Initiative, Target]] = [
        (pa, ini, t)
        for pa in plan.program_areas
        for ini in pa.initiatives
        if ini.subsidy or not subsidy_only
        for t in ini.targets
    ]
    sources = {t.source for _, _, t in chosen if t.kind is TargetKind.DISTINCT and t.source}
    counted = {t.id for _, _, t in chosen if t.kind is not TargetKind.DISTINCT} | sources
    coords = progress.year_coordinators(plan, until)  # roster, else 圏域 order, then name
    cases = records.case_figures(fy.year, until)
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
                heading=ini.heading,
                title=ini.title,
                per_area_min=(t.per_area_min or 1) if t.kind is TargetKind.PER_AREA else None,
                people=cases[t.id][0] if t.id in cases else None,
                uncoded=cases[t.id][1] if t.id in cases else 0,
            )
        )
    texts: dict[str, InitiativeText] = {}
    for pa, ini, _ in chosen:
        texts.setdefault(
            ini.id,
            InitiativeText(
                program_area=pa.title,
                initiative_id=ini.id,
                heading=ini.heading,
                title=ini.title,
                subsidy=ini.subsidy,
                content=ini.content.strip(),
                expected_effect=ini.expected_effect.strip(),
                qualitative_goal=ini.qualitative_goal.strip(),
            ),
        )
    gather = include_notes if gather_notes is None else gather_notes
    note_rows = records.note_rows(fy.year, until) if gather else []

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
        notes=_notes(plan, chosen, note_rows, include_cases),
        entry_count=records.entry_count(fy.year, until, counted),
        author=plan.author,
        recipient=plan.recipient,
        made=made or clock.today(),  # CHOFU_TUI_TODAY pins it too
        include_notes=include_notes,
        initiatives=tuple(texts.values()),
        # given (tests, another store's texts) or the year's own, as written in the app
        evaluations=dict(evaluations) if evaluations is not None else _evaluations(fy, chosen),
    )


def _evaluations(
    fy: FiscalYear, chosen: list[tuple[ProgramArea, Initiative, Target]]
) -> dict[str, str]:
    """The year's 評価・課題 of the initiatives in the report (written for it: always printed)."""
    shown = {ini.id for _, ini, _ in chosen}
    return {k: v for k, v in evaluation_texts.all_for(fy).items() if k in shown}


def _notes(
    plan: Plan,
    chosen: list[tuple[ProgramArea, Initiative, Target]],
    rows: list[records.NoteRow],
    include_cases: bool,
) -> tuple[NoteGroup, ...]:
    """One pass over the noted entries: each goes under every initiative it credits."""
    initiative_of: dict[str, Initiative] = {}
    label_of: dict[str, str] = {}
    order: dict[str, int] = {}
    for i, (_, ini, t) in enumerate(chosen):
        initiative_of[t.id] = ini
        label_of[t.id] = t.label
        order[t.id] = i
    gathered: dict[str, list[Note]] = defaultdict(list)
    area_names = {a.no: a.name for a in plan.areas}
    for r in rows:
        per_ini: dict[str, list[str]] = defaultdict(list)
        for tid in sorted(r.targets, key=lambda t: order.get(t, 0)):  # the plan's order
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
        # the screen shows the notes (key 5); its workbook (x) does not print them
        return build_report(
            plan,
            as_of,
            subsidy_only=subsidy_only,
            include_cases=include_cases,
            gather_notes=True,
        )
