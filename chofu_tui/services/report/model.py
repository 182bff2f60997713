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
SENSITIVE = "取扱注意（個人情報を含む）"


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
    heading: str = ""  # ◆ 取組 (the heading initiatives share)
    title: str = ""  # (1) 具体的な取組
    per_area_min: int | None = None  # per_area: the meetings an area needs (済)
    people: int | None = None  # 実人数: distinct case codes, for targets whose entries carry them
    uncoded: int = 0  # entries of such a target without a case code

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
class InitiativeText:
    """An initiative's texts for the 取組別 sheet (the plan's words)."""

    program_area: str
    initiative_id: str
    heading: str
    title: str
    subsidy: bool
    content: str
    expected_effect: str
    qualitative_goal: str


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
    author: str = ""  # 作成: the reporting council
    recipient: str = ""  # 提出先: the city office
    made: dt.date | None = None  # 作成日
    include_notes: bool = False  # print the free-text notes (personal information)
    initiatives: tuple[InitiativeText, ...] = ()
    # 評価・課題 per initiative id (written in the app, always printed); a dict although the
    # report is frozen: a report is never hashed
    evaluations: dict[str, str] = field(default_factory=dict)

    @property
    def sensitive(self) -> bool:
        """Notes or case codes: the printed report carries personal information."""
        return self.include_notes or self.include_cases

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
