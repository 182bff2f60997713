"""The report as an Excel workbook: sheets 年間, 月別, 圏域別, コーディネーター別 and 記録.

Every sheet: the title with the fiscal year and the as-of date (和暦) in row 1, the plan and
any "no entries yet" message in row 2, the header in row 3 (frozen, repeated on every printed
page), numbers stored as numbers, rates as percentages, dates as dates, widths measured in
terminal cells so Japanese fits, A4 landscape fitted to the page width.
Written in openpyxl's write-only mode so a year of 10,000 notes stays quick.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from rich.cells import cell_len

from chofu_tui.services.report import Report
from chofu_tui.services.report_files import write_atomically
from chofu_tui.services.report_tables import (
    Cell,
    Column,
    ColumnKind,
    Table,
    View,
    annual,
    by_area,
    by_coordinator,
    monthly,
    notes,
)

HEADER_ROW = 3
NUMBER_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = {ColumnKind.LONG_TEXT: 48, ColumnKind.TEXT: 30}
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _shown(value: Cell, kind: ColumnKind) -> str:
    """The text Excel will show, for measuring the column."""
    if value is None:
        return ""
    if kind is ColumnKind.RATE and isinstance(value, float):
        return f"{value * 100:.1f}%"
    if kind is ColumnKind.NUMBER and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def column_widths(t: Table) -> list[float]:
    """Each column's width in characters: its widest cell in terminal cells (a kanji is 2)."""
    widths = []
    for i, col in enumerate(t.columns):
        widest = max(
            [cell_len(col.header), *(cell_len(_shown(r[i], col.kind)) for r in t.rows)],
        )
        cap = MAX_WIDTH.get(col.kind, 30)
        widths.append(min(widest, cap) + 2)
    return widths


def _cell(ws, value: Cell, col: Column) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    cell = WriteOnlyCell(ws, value=value)
    if col.kind is ColumnKind.NUMBER:
        cell.number_format = NUMBER_FORMAT
    elif col.kind is ColumnKind.RATE:
        cell.number_format = RATE_FORMAT
    elif col.kind is ColumnKind.DATE:
        cell.number_format = DATE_FORMAT
    cell.alignment = _WRAP if col.kind is ColumnKind.LONG_TEXT else _TOP
    return cell


def _sheet(wb: Workbook, report: Report, name: str, t: Table) -> None:
    ws = wb.create_sheet(name)
    # layout first: a write-only sheet takes it before the rows
    for i, width in enumerate(column_widths(t), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.oddHeader.center.text = f"{report.title} {name}"
    ws.oddFooter.center.text = "&P / &N"

    title = WriteOnlyCell(ws, value=f"{report.title} 【{name}】 {report.as_of_label}")
    title.font = _TITLE
    ws.append([title])
    sub = f"{report.plan_title} / 基準日 {report.as_of.isoformat()}"
    if report.empty_message:
        sub += f" / {report.empty_message}"
    ws.append([sub])
    header = []
    for col in t.columns:
        c = WriteOnlyCell(ws, value=col.header)
        c.font = _BOLD
        c.fill = _HEADER_FILL
        c.alignment = _HEADER_ALIGN
        header.append(c)
    ws.append(header)
    for row in t.rows:
        ws.append([_cell(ws, v, col) for v, col in zip(row, t.columns, strict=True)])


SHEETS: tuple[tuple[View, str], ...] = (
    (View.ANNUAL, "年間"),
    (View.MONTHLY, "月別"),
    (View.AREA, "圏域別"),
    (View.COORDINATOR, "コーディネーター別"),
    (View.NOTES, "記録"),
)


def workbook(report: Report) -> Workbook:
    wb = Workbook(write_only=True)
    tables = {
        View.ANNUAL: annual(report, months=False),
        View.MONTHLY: monthly(report),
        View.AREA: by_area(report),
        View.COORDINATOR: by_coordinator(report),
        View.NOTES: notes(report),
    }
    for view, name in SHEETS:
        _sheet(wb, report, name, tables[view])
    return wb


def write_xlsx(report: Report, path: Path) -> Path:
    # built inside the write: a path that cannot be written never gets a half-made workbook
    return write_atomically(path, lambda tmp: workbook(report).save(tmp))
