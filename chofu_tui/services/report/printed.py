"""The printed report as pages of tables, laid out like the plan: 施策 -> ◆ 取組 -> (n) 具体的な取組
-> its 量的目標 rows. The xlsx and PDF writers both print these sheets, so the two agree.

No internal id is printed (the xlsx keeps them on a hidden data sheet for machines). Widths are in
character units (a kanji takes two), chosen so that every sheet fits A4 landscape at 100 %
with 10 pt text: wide tables are split (months into 4〜9月 and 10〜3月, areas and coordinators
eight to a sheet) rather than shrunk.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from chofu_tui.fiscal import wareki_date
from chofu_tui.plan import TargetKind
from chofu_tui.safetext import strip_controls
from chofu_tui.services.report.model import (
    MONTH_LABELS,
    SENSITIVE,
    SUBSIDY_MARK,
    Note,
    Report,
    TargetRow,
)
from chofu_tui.services.report.tables import Cell, ColumnKind

# character units that fit A4 landscape at 100 % between the margins: LibreOffice prints a unit
# 0.1 inch wide (Excel narrower), and 10.9 inches are left between 0.4-inch margins
PAGE_UNITS = 100.0
PER_SHEET = 8  # areas or coordinators side by side on one sheet
NOT_WRITTEN = "（未記入）"


class RowKind(StrEnum):
    PROGRAM_AREA = "program_area"  # Ⅰ 相談支援
    HEADING = "heading"  # ◆ 取組
    INITIATIVE = "initiative"  # (1) 具体的な取組 ※
    DATA = "data"  # a 量的目標, a note
    ITEM = "item"  # 事業内容 / its text (取組別)


@dataclass(frozen=True)
class PrintColumn:
    header: str
    width: float  # character units
    kind: ColumnKind = ColumnKind.TEXT

    @property
    def wraps(self) -> bool:
        return self.kind in (ColumnKind.TEXT, ColumnKind.LONG_TEXT)


@dataclass(frozen=True)
class PrintRow:
    kind: RowKind
    cells: tuple[Cell, ...]  # a group row has one text, printed across the table


@dataclass(frozen=True)
class PrintSheet:
    name: str
    columns: tuple[PrintColumn, ...]
    rows: tuple[PrintRow, ...]
    footnotes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # the columns' proportions, scaled to the page's width
        scale = PAGE_UNITS / sum(c.width for c in self.columns)
        fitted = tuple(
            PrintColumn(c.header, round(c.width * scale, 1), c.kind) for c in self.columns
        )
        object.__setattr__(self, "columns", fitted)


def text(value: str) -> str:
    """User text as printed: no control characters (line breaks kept)."""
    return strip_controls(value, multiline=True)


def plain_date(day: object) -> str:
    """令和6年4月1日 (no weekday)."""
    return wareki_date(day).split("(")[0]  # type: ignore[arg-type]


def title_lines(report: Report, sheet: str) -> list[str]:
    """The title block: title, period and dates, who reports to whom, the legend."""
    fy = report.fy
    made = report.made or report.as_of
    lines = [
        f"{report.title}　【{sheet}】",
        f"期間 {plain_date(fy.start)}～{plain_date(fy.end)}　基準日 {plain_date(report.as_of)}"
        f"　作成日 {plain_date(made)}",
    ]
    who = []
    if report.author:
        who.append(f"作成 {report.author}")
    if report.recipient:
        who.append(f"提出先 {report.recipient}")
    if who:
        lines.append("　".join(who))
    if report.sensitive:
        lines.append(SENSITIVE)
    lines.append(f"{SUBSIDY_MARK} {report.subsidy_program}の対象")
    if report.empty_message:
        lines.append(report.empty_message)
    return [text(line) for line in lines]


def _tree(report: Report, cells: Callable[[TargetRow], tuple[Cell, ...]]) -> Iterator[PrintRow]:
    """The plan's outline with one data row per target."""
    pa = heading = ini = None
    for r in report.rows:
        if r.program_area != pa:
            pa, heading, ini = r.program_area, None, None
            yield PrintRow(RowKind.PROGRAM_AREA, (r.program_area,))
        if r.heading != heading:
            heading = r.heading
            yield PrintRow(RowKind.HEADING, (f"◆ {r.heading}",))
        if r.initiative_id != ini:
            ini = r.initiative_id
            mark = f" {SUBSIDY_MARK}" if r.subsidy else ""
            yield PrintRow(RowKind.INITIATIVE, (f"{r.title}{mark}",))
        yield PrintRow(RowKind.DATA, (r.label, *cells(r)))


N, R, T, L, D = (
    ColumnKind.NUMBER,
    ColumnKind.RATE,
    ColumnKind.TEXT,
    ColumnKind.LONG_TEXT,
    ColumnKind.DATE,
)


def case_remark(r: TargetRow) -> str:
    """延べ件数 beside 実人数 (distinct case codes); never a code."""
    if r.people is None:
        return ""
    out = f"延べ件数 {r.actual:,}{r.unit}・実人数 {r.people:,}人"
    if r.uncoded:
        out += f"（コード未記入 {r.uncoded:,}件）"
    return out


def annual_sheet(report: Report) -> PrintSheet:
    cols = (
        PrintColumn("区分", 56, L),
        PrintColumn("目標", 9, N),
        PrintColumn("実績", 9, N),
        PrintColumn("単位", 6, T),
        PrintColumn("達成率", 8, R),
        PrintColumn("備考", 46, L),
    )

    def cells(r: TargetRow) -> tuple[Cell, ...]:
        remark = "\n".join(x for x in (r.basis, case_remark(r)) if x)
        return (r.goal, r.actual, r.unit, r.rate, remark)

    return PrintSheet("年間", cols, tuple(_tree(report, cells)))


def monthly_sheets(report: Report) -> list[PrintSheet]:
    out = []
    for name, lo, total in (("月別（4～9月）", 0, "上半期計"), ("月別（10～3月）", 6, "下半期計")):
        cols = [PrintColumn("区分", 46, L), PrintColumn("目標", 8, N)]
        cols += [PrintColumn(m, 8, N) for m in MONTH_LABELS[lo : lo + 6]]
        cols.append(PrintColumn(total, 9, N))
        if lo:
            cols.append(PrintColumn("年間計", 9, N))

        def cells(r: TargetRow, lo: int = lo) -> tuple[Cell, ...]:
            half = r.months[lo : lo + 6]
            return (r.goal, *half, sum(half), *((r.actual,) if lo else ()))

        out.append(PrintSheet(name, tuple(cols), tuple(_tree(report, cells))))
    return out


def _chunks(n: int) -> list[range]:
    return [range(i, min(i + PER_SHEET, n)) for i in range(0, n, PER_SHEET)] or [range(0)]


def _sheet_name(base: str, i: int, many: bool) -> str:
    return f"{base}（{i + 1}）" if many else base


def area_sheets(report: Report) -> list[PrintSheet]:
    chunks = _chunks(len(report.areas))
    notes = []
    if any(r.kind is TargetKind.DISTINCT for r in report.rows):
        notes.append(
            "注: 団体数は、2つ以上の圏域で働きかけた団体をそれぞれの圏域に数えています"
            "（圏域の合計は実績より多くなることがあります）。実績は重複を除いた団体数です。"
        )
    if any(r.kind is TargetKind.PER_AREA for r in report.rows):
        notes.append(
            "注: 圏域ごとの目標は、各圏域の開催回数と、必要な回数に達した圏域に「済」、"
            "達していない圏域に「未」を示します。実績は実施圏域数（済の圏域の数）です。"
        )
    out = []
    for i, chunk in enumerate(chunks):
        cols = [PrintColumn("区分", 38, L), PrintColumn("目標", 7, N)]
        cols += [PrintColumn(f"{report.areas[j][0]} {report.areas[j][1]}", 9, N) for j in chunk]
        cols += [PrintColumn("実績", 8, N), PrintColumn("単位", 9, T)]

        def cells(r: TargetRow, chunk: range = chunk) -> tuple[Cell, ...]:
            if r.kind is TargetKind.PER_AREA:
                need = r.per_area_min or 1
                shown: tuple[Cell, ...] = tuple(
                    f"{r.by_area[j]}回 {'済' if r.by_area[j] >= need else '未'}" for j in chunk
                )
                return (r.goal, *shown, r.actual, "実施圏域数")
            unit = f"{r.unit}（重複なし）" if r.kind is TargetKind.DISTINCT else r.unit
            return (r.goal, *(r.by_area[j] for j in chunk), r.actual, unit)

        name = _sheet_name("圏域別", i, len(chunks) > 1)
        out.append(PrintSheet(name, tuple(cols), tuple(_tree(report, cells)), tuple(notes)))
    return out


def coordinator_sheets(report: Report) -> list[PrintSheet]:
    chunks = _chunks(len(report.coordinators))
    out = []
    for i, chunk in enumerate(chunks):
        cols = [PrintColumn("区分", 38, L), PrintColumn("目標", 7, N)]
        cols += [PrintColumn(text(report.coordinators[j]), 9, N) for j in chunk]
        cols += [PrintColumn("実績", 8, N), PrintColumn("単位", 9, T)]

        def cells(r: TargetRow, chunk: range = chunk) -> tuple[Cell, ...]:
            return (r.goal, *(r.by_coordinator[j] for j in chunk), r.actual, r.unit)

        name = _sheet_name("コーディネーター別", i, len(chunks) > 1)
        out.append(PrintSheet(name, tuple(cols), tuple(_tree(report, cells))))
    return out


def initiative_sheet(report: Report) -> PrintSheet:
    """取組別: under each initiative its 事業内容, 期待される効果, 質的目標 and 評価・課題."""
    cols = (PrintColumn("項目", 16, T), PrintColumn("内容", 116, L))
    rows: list[PrintRow] = []
    pa = heading = None
    for it in report.initiatives:
        if it.program_area != pa:
            pa, heading = it.program_area, None
            rows.append(PrintRow(RowKind.PROGRAM_AREA, (it.program_area,)))
        if it.heading != heading:
            heading = it.heading
            rows.append(PrintRow(RowKind.HEADING, (f"◆ {it.heading}",)))
        mark = f" {SUBSIDY_MARK}" if it.subsidy else ""
        rows.append(PrintRow(RowKind.INITIATIVE, (f"{it.title}{mark}",)))
        evaluation = text(report.evaluations.get(it.initiative_id, "")).strip()
        for item, body in (
            ("事業内容", it.content),
            ("期待される効果", it.expected_effect),
            ("質的目標", it.qualitative_goal),
            ("評価・課題", evaluation or NOT_WRITTEN),
        ):
            rows.append(PrintRow(RowKind.ITEM, (item, body)))
    return PrintSheet("取組別", cols, tuple(rows))


def organisation(name: str | None) -> str:
    """An organisation as printed: NFKC (half-width ｻﾛﾝ is サロン); the registry keeps its name."""
    return unicodedata.normalize("NFKC", text(name or ""))


def note_cells(report: Report, n: Note) -> tuple[Cell, ...]:
    cells: tuple[Cell, ...] = (
        n.date,
        f"{n.area} {n.area_name}",
        text(n.coordinator),
        organisation(n.organisation),
        "\n".join(n.targets),  # labels contain 「、」: one per line, in the plan's order
        n.count,
        text(n.text),
    )
    return (*cells, text(n.case_code or "")) if report.include_cases else cells


def notes_sheet(report: Report) -> PrintSheet:
    """記録: one row per entry with a note, under each initiative (only with --include-notes)."""
    cols = [
        PrintColumn("日付", 12, D),
        PrintColumn("圏域", 14, T),
        PrintColumn("コーディネーター", 12, T),
        PrintColumn("団体", 18, L),
        PrintColumn("目標", 26, L),
        PrintColumn("回数", 6, N),
        PrintColumn("記録", 36 if report.include_cases else 48, L),
    ]
    if report.include_cases:
        cols.append(PrintColumn("ケースコード", 12, T))
    rows: list[PrintRow] = []
    for g in report.notes:
        mark = f" {SUBSIDY_MARK}" if g.subsidy else ""
        rows.append(PrintRow(RowKind.INITIATIVE, (f"{g.program_area}　{g.initiative}{mark}",)))
        rows.extend(PrintRow(RowKind.DATA, note_cells(report, n)) for n in g.notes)
        if not g.notes:
            rows.append(PrintRow(RowKind.ITEM, ("（記録なし）",)))
    return PrintSheet("記録", tuple(cols), tuple(rows))


def printed_sheets(report: Report) -> list[PrintSheet]:
    sheets = [annual_sheet(report), *monthly_sheets(report)]
    sheets += [*area_sheets(report), *coordinator_sheets(report), initiative_sheet(report)]
    if report.include_notes:
        sheets.append(notes_sheet(report))
    return sheets


def wide(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def lines_needed(value: str, width: float) -> int:
    """How many printed lines `value` takes in a column `width` units wide (a kanji is 2)."""
    room = max(width - 1.5, 1.0)
    n = 0
    for line in value.split("\n"):
        # 10 pt: a kanji is 1.9 units wide in Excel (1.4 in LibreOffice), a digit about 1
        units = (
            len(line) + 0.9 * sum(1 for ch in line if wide(ch)) if not line.isascii() else len(line)
        )
        n += max(1, math.ceil(units / room))
    return n
