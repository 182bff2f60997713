"""The report as values: its rows (one per target), its notes, and its labels.

build.py makes it from the counting engine (services/progress.figures); the writers
(xlsx_writer, csv_writer, text) take it. Nothing here imports Textual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from chofu_tui.fiscal import FiscalYear, wareki_date
from chofu_tui.plan import TargetKind
from chofu_tui.services.clock import as_of_for

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
    # 評価・課題: initiative id -> the coordinators' text, for the report's initiatives that have one
    evaluations: dict[str, str] = field(default_factory=dict)

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
    return as_of_for(fy, today)
