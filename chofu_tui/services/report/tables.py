"""A report's views as plain tables (headers, typed cells), shared by every writer and the screen.

Cells keep their Python types: int for figures, float for rates, date for dates, str for text,
None for "no figure". Each writer decides how to show them. Text typed by people (notes,
organisations, coordinators, case codes) comes without control characters, even from rows
stored before they were refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from chofu_tui.safetext import strip_controls
from chofu_tui.services.report.model import (
    MONTH_LABELS,
    QUARTER_LABELS,
    SUBSIDY_MARK,
    Report,
    TargetRow,
)

Cell = int | float | str | dt.date | None


class View(StrEnum):
    ANNUAL = "annual"
    MONTHLY = "monthly"
    AREA = "area"
    COORDINATOR = "coordinator"
    NOTES = "notes"

    @property
    def label(self) -> str:
        return VIEW_LABELS[self]


VIEW_LABELS = {
    View.ANNUAL: "年間",
    View.MONTHLY: "月別",
    View.AREA: "圏域別",
    View.COORDINATOR: "コーディネーター別",
    View.NOTES: "記録",
}


class ColumnKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"  # wrapped in a spreadsheet
    NUMBER = "number"
    RATE = "rate"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True)
class Table:
    view: View
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # for figure views: the report row behind each table row (same order), for charts
    targets: tuple[TargetRow, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


T, L, N, R, D = (
    ColumnKind.TEXT,
    ColumnKind.LONG_TEXT,
    ColumnKind.NUMBER,
    ColumnKind.RATE,
    ColumnKind.DATE,
)


def rate_text(rate: float) -> str:
    """A rate as every format shows it: 12.3%."""
    return f"{rate * 100:.1f}%"


def as_text(value: Cell, kind: ColumnKind, empty: str = "", *, grouped: bool = False) -> str:
    """A cell as text, the one formatting of a cell: rates as 12.3%, dates as ISO; `grouped`
    numbers with thousands separators (1,234) as a screen or Excel shows them, plain in CSV
    and Markdown."""
    if value is None:
        return empty
    if kind is ColumnKind.RATE and isinstance(value, float):
        return rate_text(value)
    if grouped and kind is ColumnKind.NUMBER and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _lead(r: TargetRow) -> tuple[Cell, ...]:
    return (
        r.program_area,
        r.initiative,
        SUBSIDY_MARK if r.subsidy else "",
        r.target_id,
        r.label,
        r.unit,
    )


LEAD = (
    Column("施策", T),
    Column("取組", L),
    Column(SUBSIDY_MARK, T),
    Column("目標ID", T),
    Column("内容", L),
    Column("単位", T),
)


def annual(report: Report, *, months: bool = True) -> Table:
    """One row per target: 目標, 実績, 達成率 (and the twelve months and quarters)."""
    cols = [*LEAD, Column("目標", N), Column("実績", N), Column("達成率", R)]
    if months:
        cols += [Column(m, N) for m in MONTH_LABELS] + [Column(q, N) for q in QUARTER_LABELS]
    else:
        cols.append(Column("数え方", L))
    rows = []
    for r in report.rows:
        cells: tuple[Cell, ...] = (*_lead(r), r.goal, r.actual, r.rate)
        cells += (*r.months, *r.quarters) if months else (r.basis,)
        rows.append(cells)
    return Table(View.ANNUAL, tuple(cols), tuple(rows), report.rows)


def monthly(report: Report) -> Table:
    cols = [*LEAD, Column("目標", N)]
    cols += [Column(m, N) for m in MONTH_LABELS]
    cols += [Column(q, N) for q in QUARTER_LABELS] + [Column("年間計", N)]
    rows = tuple((*_lead(r), r.goal, *r.months, *r.quarters, r.actual) for r in report.rows)
    return Table(View.MONTHLY, tuple(cols), rows, report.rows)


def by_area(report: Report) -> Table:
    cols = [*LEAD, Column("目標", N)]
    cols += [Column(f"{no} {name}", N) for no, name in report.areas]
    cols += [Column("実績", N), Column("数え方", L)]
    rows = tuple((*_lead(r), r.goal, *r.by_area, r.actual, r.basis) for r in report.rows)
    return Table(View.AREA, tuple(cols), rows, report.rows)


def by_coordinator(report: Report) -> Table:
    cols = [*LEAD, Column("目標", N)]
    cols += [Column(strip_controls(c), N) for c in report.coordinators]
    cols += [Column("実績", N), Column("数え方", L)]
    rows = tuple((*_lead(r), r.goal, *r.by_coordinator, r.actual, r.basis) for r in report.rows)
    return Table(View.COORDINATOR, tuple(cols), rows, report.rows)


def notes(report: Report) -> Table:
    """Every note with its initiative (the 質的目標 is the plan's, not repeated on every row);
    a case code column only when asked for."""
    cols = [
        Column("施策", T),
        Column("取組", L),
        Column(SUBSIDY_MARK, T),
        Column("日付", D),
        Column("圏域", T),
        Column("コーディネーター", T),
        Column("団体", T),
        Column("目標", L),
        Column("回数", N),
        Column("記録", L),
    ]
    if report.include_cases:
        cols.append(Column("ケースコード", T))
    rows = []
    for g in report.notes:
        for n in g.notes:
            cells: tuple[Cell, ...] = (
                g.program_area,
                g.initiative,
                SUBSIDY_MARK if g.subsidy else "",
                n.date,
                f"{n.area} {n.area_name}",
                strip_controls(n.coordinator),
                strip_controls(n.organisation or ""),
                "、".join(n.targets),
                n.count,
                strip_controls(n.text, multiline=True),
            )
            if report.include_cases:
                cells += (strip_controls(n.case_code or ""),)
            rows.append(cells)
    return Table(View.NOTES, tuple(cols), tuple(rows))


def table(report: Report, view: View | str) -> Table:
    view = View(view)
    return {
        View.ANNUAL: annual,
        View.MONTHLY: monthly,
        View.AREA: by_area,
        View.COORDINATOR: by_coordinator,
        View.NOTES: notes,
    }[view](report)
