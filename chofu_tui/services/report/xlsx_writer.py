"""The report as an Excel workbook: sheets 年間, 月別, 圏域別, コーディネーター別 and 記録.

Every sheet: the title with the fiscal year and the as-of date (和暦) in row 1, the plan and
any "no entries yet" message in row 2, the header in row 3 (frozen, repeated on every printed
page), numbers stored as numbers, rates as percentages, dates as dates, widths measured in
terminal cells so Japanese fits, A4 landscape fitted to the page width.

Written with XlsxWriter, in memory: a year of 14,000 notes takes about half a second (openpyxl
took 1.7 s even in its write-only mode), and no temporary file with the notes is ever made
(openpyxl's write-only mode made one per sheet). The bytes go to the report through
files.atomic_write (a temporary file beside it, renamed into place).

User text is data: every text cell is written with write_string (never a formula or an error
value, even when it starts with "=" or "#"), without control characters.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from chofu_tui.safetext import strip_controls
from chofu_tui.services.report.model import SUBSIDY_MARK, Note, Report
from chofu_tui.services.report.output import check_output, write_atomically
from chofu_tui.services.report.tables import (
    Cell,
    Column,
    ColumnKind,
    Table,
    View,
    annual,
    as_text,
    by_area,
    by_coordinator,
    monthly,
)

HEADER_ROW = 3  # 1-based, as Excel shows it
NUMBER_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = {ColumnKind.LONG_TEXT: 48, ColumnKind.TEXT: 30}
A4 = 9
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _shown(value: Cell, kind: ColumnKind) -> str:
    """The text Excel will show, for measuring the column."""
    return as_text(value, kind, grouped=True)


def column_widths(t: Table) -> list[float]:
    """Each column's width in characters: its widest cell in terminal cells (a kanji is 2)."""
    widths: list[float] = []
    for i, col in enumerate(t.columns):
        cap = MAX_WIDTH.get(col.kind, 30)
        widest = cell_len(col.header)
        for r in t.rows:
            if widest >= cap:
                break  # the column is as wide as it may be
            shown = _shown(r[i], col.kind)
            if 2 * len(shown) > widest:  # a character takes at most two cells
                widest = max(widest, cell_len(shown))
        widths.append(min(widest, cap) + 2)
    return widths


class _Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "pattern": 1,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
            }
        )
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.by_kind: dict[ColumnKind, Any] = {
            ColumnKind.NUMBER: wb.add_format({"num_format": NUMBER_FORMAT}),
            ColumnKind.RATE: wb.add_format({"num_format": RATE_FORMAT}),
            ColumnKind.DATE: wb.add_format({"num_format": DATE_FORMAT}),
            ColumnKind.LONG_TEXT: self.wrap,
        }


def _text(value: str) -> str:
    """User text without control characters (none belong in a report)."""
    return strip_controls(value, multiline=True)


def _write(ws: Worksheet, row: int, col: int, value: Cell, fmt: Any) -> None:
    """One cell: text always as a string (never a formula), numbers as numbers, dates as
    dates. Row and column are 0-based."""
    if value is None:
        return
    if isinstance(value, str):
        if value:
            ws.write_string(row, col, _text(value), fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, dt.date):
        # Excel's serial day number with a date format: a date cell (what write_datetime
        # writes, without its conversion per cell)
        ws.write_number(row, col, (value - _EXCEL_EPOCH).days, fmt)
    else:  # pragma: no cover - the tables hold nothing else
        ws.write_string(row, col, _text(str(value)), fmt)


def _write_row(ws: Worksheet, row: int, values: tuple[Cell, ...], formats: list[Any]) -> None:
    for col, (value, fmt) in enumerate(zip(values, formats, strict=True)):
        _write(ws, row, col, value, fmt)


def _start(wb: Workbook, f: _Formats, report: Report, name: str, t: Table) -> Worksheet:
    """A sheet with its layout, print set-up, title rows and header row."""
    ws = wb.add_worksheet(name)
    previous = 0.0
    for i, width in enumerate(column_widths(t)):
        # a pixel apart from an equal neighbour: XlsxWriter would merge equal neighbours into
        # one <col> range, and readers that look a column up by its letter (openpyxl) miss it
        shown = width + 0.15 if width == previous else width
        ws.set_column(i, i, shown)
        previous = shown
    ws.freeze_panes(HEADER_ROW, 0)
    ws.repeat_rows(HEADER_ROW - 1)
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    # "&" starts a code in a printed header: a plan's "&" is a letter
    ws.set_header("&C" + _text(f"{report.title} {name}").replace("&", "&&"))
    ws.set_footer("&C&P / &N")
    ws.write_string(0, 0, _text(f"{report.title} 【{name}】 {report.as_of_label}"), f.title)
    sub = f"{report.plan_title} / 基準日 {report.as_of.isoformat()}"
    if report.empty_message:
        sub += f" / {report.empty_message}"
    ws.write_string(1, 0, _text(sub))
    for i, col in enumerate(t.columns):  # coordinator names are headers too: strings
        ws.write_string(HEADER_ROW - 1, i, _text(col.header), f.header)
    return ws


def _formats_of(f: _Formats, columns: tuple[Column, ...]) -> list[Any]:
    return [f.by_kind.get(c.kind) for c in columns]


def _figures_sheet(wb: Workbook, f: _Formats, report: Report, name: str, t: Table) -> None:
    ws = _start(wb, f, report, name, t)
    formats = _formats_of(f, t.columns)
    for i, row in enumerate(t.rows, start=HEADER_ROW):
        _write_row(ws, i, row, formats)


NOTE_COLUMNS = (
    Column("日付", ColumnKind.DATE),
    Column("圏域", ColumnKind.TEXT),
    Column("コーディネーター", ColumnKind.TEXT),
    Column("団体", ColumnKind.TEXT),
    Column("目標", ColumnKind.LONG_TEXT),
    Column("回数", ColumnKind.NUMBER),
    Column("記録", ColumnKind.LONG_TEXT),
)
NOTE_TEXT_COLUMN = 7  # 記録 (G): the 質的目標 is written there too, wrapped


def note_cells(report: Report, note: Note) -> tuple[Cell, ...]:
    cells: tuple[Cell, ...] = (
        note.date,
        f"{note.area} {note.area_name}",
        note.coordinator,
        note.organisation or "",
        "、".join(note.targets),
        note.count,
        note.text,
    )
    return (*cells, note.case_code or "") if report.include_cases else cells


def _notes_sheet(wb: Workbook, f: _Formats, report: Report, name: str) -> None:
    """Each initiative: its title, its 質的目標, then the notes logged against it."""
    columns = NOTE_COLUMNS + ((Column("ケースコード"),) if report.include_cases else ())
    rows = tuple(note_cells(report, n) for g in report.notes for n in g.notes)
    ws = _start(wb, f, report, name, Table(View.NOTES, columns, rows))
    formats = _formats_of(f, columns)
    r = HEADER_ROW
    for g in report.notes:
        mark = f"{SUBSIDY_MARK} " if g.subsidy else ""
        ws.write_string(r, 0, _text(f"{g.program_area} / {mark}{g.initiative}"), f.bold)
        ws.write_string(r + 1, 0, "質的目標", f.bold)
        _write(ws, r + 1, NOTE_TEXT_COLUMN - 1, g.qualitative_goal, f.wrap)
        r += 2
        for n in g.notes:
            _write_row(ws, r, note_cells(report, n), formats)
            r += 1
        if not g.notes:
            ws.write_string(r, 0, "(記録なし)")
            r += 1
        r += 1  # a blank row before the next initiative


SHEETS = ("年間", "月別", "圏域別", "コーディネーター別", "記録")


def fill_workbook(wb: Workbook, report: Report) -> None:
    f = _Formats(wb)
    _figures_sheet(wb, f, report, "年間", annual(report, months=False))
    _figures_sheet(wb, f, report, "月別", monthly(report))
    _figures_sheet(wb, f, report, "圏域別", by_area(report))
    _figures_sheet(wb, f, report, "コーディネーター別", by_coordinator(report))
    _notes_sheet(wb, f, report, "記録")


def workbook_bytes(report: Report) -> bytes:
    """The report's .xlsx file, made in memory (no temporary file anywhere)."""
    buffer = io.BytesIO()
    wb = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    fill_workbook(wb, report)
    wb.close()
    return buffer.getvalue()


def write_xlsx(report: Report, path: Path) -> Path:
    target = check_output(path, force=True)

    def write(tmp: Path) -> None:
        # built inside the write: a failure leaves nothing (the temporary file is removed)
        buffer = io.BytesIO()
        wb = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
        fill_workbook(wb, report)
        wb.close()
        tmp.write_bytes(buffer.getvalue())

    return write_atomically(target, write)
