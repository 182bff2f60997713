"""The report as an Excel workbook the city can print as it is.

The printed sheets (printed.py: 年間, 月別 in two halves, 圏域別, コーディネーター別, 取組別 and,
only with --include-notes, 記録) are laid out like the plan, with a title block, ruled lines on
every table cell, a Japanese font named on every cell, row heights set for wrapped text
(LibreOffice and Excel do not fit them on open), the header row repeated on every page, A4
landscape at 100 % with 10 pt text (the widths fit the page, so nothing is shrunk), and
"page n / N" in the footer. No internal id is printed: a hidden sheet 「データ」 holds one row per
target with its id and every figure, for machines.

Written with XlsxWriter, in memory; the bytes go to the report through files.atomic_write.
User text is data: every text cell is written with write_string (never a formula or an error
value, even when it starts with "=" or "#"), without control characters.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from chofu_tui.safetext import strip_controls
from chofu_tui.services.report.model import SENSITIVE, Report
from chofu_tui.services.report.output import check_output, write_atomically
from chofu_tui.services.report.printed import (
    PrintSheet,
    RowKind,
    case_remark,
    lines_needed,
    printed_sheets,
    title_lines,
)
from chofu_tui.services.report.tables import Cell, ColumnKind, annual

FONT = "游ゴシック"  # Japanese Windows has it; LibreOffice substitutes Noto Sans CJK
BODY_PT = 10
LINE_PT = 14.5  # one line of 10 pt text, with the CJK fonts' leading
NUMBER_FORMAT = "#,##0"
RATE_FORMAT = "0.0%"
PLAIN_DATE_FORMAT = "yyyy/m/d"
A4 = 9
DATA_SHEET = "データ"
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _text(value: str) -> str:
    """User text without control characters (none belong in a report)."""
    return strip_controls(value, multiline=True)


class _Formats:
    """The workbook's cell formats, made once per workbook; every one names the font."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        base = {"font_name": FONT, "font_size": BODY_PT, "valign": "top"}
        self.base = base
        cell = {**base, "border": 1}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.line = wb.add_format(base)
        self.warn = wb.add_format({**base, "bold": True, "font_color": "#C00000"})
        self.footnote = wb.add_format({**base, "text_wrap": True})
        self.header = wb.add_format(
            {
                **cell,
                "bold": True,
                "bg_color": "#DDEBF7",
                "pattern": 1,
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
            }
        )
        self.group = {
            RowKind.PROGRAM_AREA: wb.add_format(
                {**cell, "bold": True, "bg_color": "#BDD7EE", "pattern": 1, "text_wrap": True}
            ),
            RowKind.HEADING: wb.add_format(
                {**cell, "bold": True, "bg_color": "#F2F2F2", "pattern": 1, "text_wrap": True}
            ),
            RowKind.INITIATIVE: wb.add_format({**cell, "bold": True, "text_wrap": True}),
        }
        self.item = wb.add_format({**cell, "bold": True, "text_wrap": True})
        self.label = wb.add_format({**cell, "text_wrap": True, "indent": 1})
        self.by_kind: dict[ColumnKind, Any] = {
            ColumnKind.NUMBER: wb.add_format({**cell, "num_format": NUMBER_FORMAT}),
            ColumnKind.RATE: wb.add_format({**cell, "num_format": RATE_FORMAT}),
            ColumnKind.DATE: wb.add_format({**cell, "num_format": PLAIN_DATE_FORMAT}),
            ColumnKind.TEXT: wb.add_format({**cell, "text_wrap": True}),
            ColumnKind.LONG_TEXT: wb.add_format({**cell, "text_wrap": True}),
        }
        self.right = wb.add_format({**cell, "align": "right", "text_wrap": True})
        self.data_header = wb.add_format({**base, "bold": True})
        self.data_cell = {
            ColumnKind.NUMBER: wb.add_format(base),
            ColumnKind.RATE: wb.add_format({**base, "num_format": RATE_FORMAT}),
            ColumnKind.DATE: wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
        }


def _write(ws: Worksheet, row: int, col: int, value: Cell, fmt: Any) -> None:
    """One cell: text always as a string (never a formula), numbers as numbers, dates as
    dates. Row and column are 0-based. An empty cell still gets its format (its border)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, _text(value), fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):
        # Excel's serial day number with a date format: a date cell
        ws.write_number(row, col, (value - _EXCEL_EPOCH).days, fmt)
    else:  # pragma: no cover - the tables hold nothing else
        ws.write_string(row, col, _text(str(value)), fmt)


def _page_setup(ws: Worksheet, report: Report, name: str, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(A4)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.set_print_scale(100)  # never shrunk below the 10 pt it is written in
    ws.repeat_rows(header_row)
    ws.freeze_panes(header_row + 1, 0)
    # "&" starts a code in a printed header: a plan's "&" is a letter
    title = _text(f"{report.title} {name}").replace("&", "&&")
    mark = f'&R&"{FONT},Bold"{SENSITIVE}' if report.sensitive else ""
    ws.set_header(f'&L&"{FONT},Regular"&9{title}{mark}')
    ws.set_footer(f'&C&"{FONT},Regular"&9&P / &N')


def _title_block(ws: Worksheet, f: _Formats, report: Report, name: str) -> int:
    """The title block from row 0; returns the first row after it (a blank row between)."""
    for i, line in enumerate(title_lines(report, name)):
        fmt = f.title if i == 0 else f.warn if line == SENSITIVE else f.line
        ws.write_string(i, 0, line, fmt)
        if i == 0:
            ws.set_row(i, 22)
    return len(title_lines(report, name)) + 1


def _height(values: tuple[Cell, ...], widths: list[float], wraps: list[bool]) -> float:
    lines = 1
    for value, width, wrap in zip(values, widths, wraps, strict=False):
        if wrap and isinstance(value, str) and value:
            lines = max(lines, lines_needed(value, width))
    return lines * LINE_PT + 3


def _sheet(wb: Workbook, f: _Formats, report: Report, sheet: PrintSheet) -> None:
    ws = wb.add_worksheet(sheet.name)
    widths = [c.width for c in sheet.columns]
    wraps = [c.wraps for c in sheet.columns]
    total = sum(widths)
    previous = -1.0
    for i, width in enumerate(widths):
        # a hair apart from an equal neighbour: XlsxWriter would merge equal neighbours into
        # one <col> range, and readers that look a column up by its letter (openpyxl) miss it
        shown = width + 0.01 if width == previous else width
        ws.set_column(i, i, shown)
        previous = shown
    header = _title_block(ws, f, report, sheet.name)
    _page_setup(ws, report, sheet.name, header)
    head_lines = max(lines_needed(c.header, c.width) for c in sheet.columns)
    ws.set_row(header, head_lines * LINE_PT + 3)
    for i, col in enumerate(sheet.columns):  # coordinator names are headers too: strings
        ws.write_string(header, i, _text(col.header), f.header)
    formats = [f.by_kind[c.kind] for c in sheet.columns]
    last = len(sheet.columns) - 1
    r = header + 1
    for row in sheet.rows:
        if row.kind in f.group:
            group = _text(str(row.cells[0]))
            ws.merge_range(r, 0, r, last, "", f.group[row.kind])
            ws.write_string(r, 0, group, f.group[row.kind])
            ws.set_row(r, lines_needed(group, total) * LINE_PT + 3)
        elif row.kind is RowKind.ITEM:
            _write(ws, r, 0, row.cells[0], f.item)
            body: Cell = row.cells[1] if len(row.cells) > 1 else ""
            if last > 1:
                ws.merge_range(r, 1, r, last, "", formats[-1])
            _write(ws, r, 1, body, f.by_kind[ColumnKind.LONG_TEXT])
            ws.set_row(r, _height(row.cells, [widths[0], total - widths[0]], [True, True]))
        else:
            for c, value in enumerate(row.cells):
                fmt = formats[c]
                if isinstance(value, str) and sheet.columns[c].kind is ColumnKind.NUMBER:
                    fmt = f.right  # 3回 済 in a number column
                elif c == 0 and sheet.name != "記録":
                    fmt = f.label
                _write(ws, r, c, value, fmt)
            ws.set_row(r, _height(row.cells, widths, wraps))
        r += 1
    for note in sheet.footnotes:
        r += 1
        ws.merge_range(r, 0, r, last, "", f.footnote)
        ws.write_string(r, 0, note, f.footnote)
        ws.set_row(r, lines_needed(note, total) * LINE_PT + 3)


def _data_sheet(wb: Workbook, f: _Formats, report: Report) -> None:
    """For machines: one row per target with its id and every figure, hidden from print."""
    t = annual(report, months=True)
    headers = [*t.headers]
    headers += [f"圏域 {no} {name}" for no, name in report.areas]
    headers += [f"担当 {_text(c)}" for c in report.coordinators]
    headers += ["実人数", "延べ件数・実人数"]
    kinds = [c.kind for c in t.columns]
    ws = wb.add_worksheet(DATA_SHEET)
    for i, h in enumerate(headers):
        ws.write_string(0, i, h, f.data_header)
    plain = wb.add_format(f.base)
    for r, (cells, tr) in enumerate(zip(t.rows, t.targets, strict=True), start=1):
        values: list[Cell] = [*cells, *tr.by_area, *tr.by_coordinator, tr.people, case_remark(tr)]
        for c, value in enumerate(values):
            kind = kinds[c] if c < len(kinds) else ColumnKind.NUMBER
            _write(ws, r, c, value, f.data_cell.get(kind, plain))
    ws.hide()


SHEETS = ("年間", "月別（4～9月）", "月別（10～3月）", "圏域別", "コーディネーター別", "取組別")


def fill_workbook(wb: Workbook, report: Report) -> None:
    f = _Formats(wb)
    wb.set_properties(
        {
            "title": _text(report.title),
            "subject": _text(report.plan_title),
            "author": _text(report.author),
            "company": _text(report.author),
            "manager": _text(report.author),
            "comments": SENSITIVE if report.sensitive else "",
        }
    )
    for sheet in printed_sheets(report):
        _sheet(wb, f, report, sheet)
    _data_sheet(wb, f, report)


def _book(buffer: io.BytesIO) -> Workbook:
    return Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})


def workbook_bytes(report: Report) -> bytes:
    """The report's .xlsx file, made in memory (no temporary file anywhere)."""
    buffer = io.BytesIO()
    wb = _book(buffer)
    fill_workbook(wb, report)
    wb.close()
    return buffer.getvalue()


def write_xlsx(report: Report, path: Path) -> Path:
    target = check_output(path, force=True)

    def write(tmp: Path) -> None:
        # built inside the write: a failure leaves nothing (the temporary file is removed)
        buffer = io.BytesIO()
        wb = _book(buffer)
        fill_workbook(wb, report)
        wb.close()
        tmp.write_bytes(buffer.getvalue())

    return write_atomically(target, write)
