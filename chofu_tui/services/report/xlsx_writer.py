"""The report as an Excel workbook: sheets 年間, 月別, 圏域別, コーディネーター別 and 記録.

Every sheet: the title with the fiscal year and the as-of date (和暦) in row 1, the plan and
any "no entries yet" message in row 2, the header in row 3 (frozen, repeated on every printed
page), numbers stored as numbers, rates as percentages, dates as dates, widths measured in
terminal cells so Japanese fits, A4 landscape fitted to the page width.
Written in openpyxl's write-only mode so a year of 10,000 notes stays quick.

User text is data: every text cell is a string cell (never a formula or an error value, even
when it starts with "=" or "#"), without control characters. openpyxl's own temporary files
(one per sheet, holding the notes) are made beside the report, owner-only and locked, and
removed afterwards, never in /tmp.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from rich.cells import cell_len

try:  # POSIX: our temporary files are locked while in use (see files.py)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from chofu_tui.files import temp_name
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
    by_area,
    by_coordinator,
    monthly,
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


def _clean(value: Cell) -> Cell:
    """Text without control characters (openpyxl refuses most; none belong in a report)."""
    return strip_controls(value, multiline=True) if isinstance(value, str) else value


def _string(ws, text: str) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    """A cell that is a string whatever the text looks like ("=1+2", "#N/A")."""
    cell = WriteOnlyCell(ws, value=strip_controls(text, multiline=True))
    cell.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error otherwise
    return cell


def _cell(ws, value: Cell, kind: ColumnKind):  # type: ignore[no-untyped-def]
    """A styled cell for figures, dates and long texts; plain values need no cell object."""
    value = _clean(value)
    if isinstance(value, str) and value[:1] in ("=", "#"):
        cell = _string(ws, value)
        if kind is ColumnKind.LONG_TEXT:
            cell.alignment = _WRAP
        return cell
    if kind is ColumnKind.TEXT or value is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if kind is ColumnKind.NUMBER:
        cell.number_format = NUMBER_FORMAT
    elif kind is ColumnKind.RATE:
        cell.number_format = RATE_FORMAT
    elif kind is ColumnKind.DATE:
        cell.number_format = DATE_FORMAT
    else:
        cell.alignment = _WRAP
    return cell


def _start(ws, report: Report, name: str, t: Table) -> None:  # type: ignore[no-untyped-def]
    """Layout, print set-up, the title rows and the header row of a sheet."""
    # a write-only sheet takes its layout before the rows
    for i, width in enumerate(column_widths(t), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    # "&" starts a code in a printed header: a plan's "&" is a letter
    ws.oddHeader.center.text = strip_controls(f"{report.title} {name}").replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"

    title = _string(ws, f"{report.title} 【{name}】 {report.as_of_label}")
    title.font = _TITLE
    ws.append([title])
    sub = f"{report.plan_title} / 基準日 {report.as_of.isoformat()}"
    if report.empty_message:
        sub += f" / {report.empty_message}"
    ws.append([_string(ws, sub)])
    header = []
    for col in t.columns:
        c = _string(ws, col.header)  # coordinator names are headers too
        c.font = _BOLD
        c.fill = _HEADER_FILL
        c.alignment = _HEADER_ALIGN
        header.append(c)
    ws.append(header)


def _figures_sheet(wb: Workbook, report: Report, name: str, t: Table) -> None:
    ws = wb.create_sheet(name)
    _start(ws, report, name, t)
    kinds = [c.kind for c in t.columns]
    for row in t.rows:
        ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])


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


def _notes_sheet(wb: Workbook, report: Report, name: str) -> None:
    """Each initiative: its title, its 質的目標, then the notes logged against it."""
    columns = NOTE_COLUMNS + ((Column("ケースコード"),) if report.include_cases else ())
    rows = tuple(note_cells(report, n) for g in report.notes for n in g.notes)
    ws = wb.create_sheet(name)
    _start(ws, report, name, Table(View.NOTES, columns, rows))
    kinds = [c.kind for c in columns]
    blank = [None] * (NOTE_TEXT_COLUMN - 2)
    for g in report.notes:
        mark = f"{SUBSIDY_MARK} " if g.subsidy else ""
        heading = _string(ws, f"{g.program_area} / {mark}{g.initiative}")
        heading.font = _BOLD
        ws.append([heading])
        label = WriteOnlyCell(ws, value="質的目標")
        label.font = _BOLD
        goal = _string(ws, g.qualitative_goal)
        goal.alignment = _WRAP
        ws.append([label, *blank, goal])
        for n in g.notes:
            ws.append([_cell(ws, v, k) for v, k in zip(note_cells(report, n), kinds, strict=True)])
        if not g.notes:
            ws.append(["(記録なし)"])
        ws.append([])


SHEETS = ("年間", "月別", "圏域別", "コーディネーター別", "記録")


def workbook(report: Report) -> Workbook:
    wb = Workbook(write_only=True)
    fill_workbook(wb, report)
    return wb


def fill_workbook(wb: Workbook, report: Report) -> None:
    _figures_sheet(wb, report, "年間", annual(report, months=False))
    _figures_sheet(wb, report, "月別", monthly(report))
    _figures_sheet(wb, report, "圏域別", by_area(report))
    _figures_sheet(wb, report, "コーディネーター別", by_coordinator(report))
    _notes_sheet(wb, report, "記録")


# openpyxl names its temporary files through one module function; one writer at a time swaps it
_SHEET_FILES = threading.Lock()


@contextlib.contextmanager
def _sheet_files_beside(target: Path) -> Iterator[None]:
    """Make openpyxl's per-sheet temporary files beside `target`, not in /tmp.

    They are named like files.atomic_write's temporaries and locked while in use, so a killed
    run's leftovers are removed by the next write of the same report; ours go in the finally.
    """
    from openpyxl.worksheet import _writer

    held: list[tuple[int, str]] = []

    def create_temporary_file(suffix: str = "") -> str:
        name = str(temp_name(target))
        fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        held.append((fd, name))
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _writer.ALL_TEMP_FILES.append(name)
        return name

    with _SHEET_FILES:
        original = _writer.create_temporary_file
        _writer.create_temporary_file = create_temporary_file
        try:
            yield
        finally:
            _writer.create_temporary_file = original
            for fd, name in held:
                with contextlib.suppress(OSError):
                    os.unlink(name)
                with contextlib.suppress(ValueError):
                    _writer.ALL_TEMP_FILES.remove(name)
                os.close(fd)


def _close_quietly(wb: Workbook) -> None:
    """Close the sheets' half-written XML streams now, quietly: left to the garbage collector
    after a failure they print "Exception ignored ... Traceback" blocks."""
    for ws in wb.worksheets:
        for owner, attr in ((ws, "_rows"), (getattr(ws, "_writer", None), "xf")):
            stream = getattr(owner, attr, None)
            if stream is not None:
                with contextlib.suppress(BaseException):
                    stream.close()
                setattr(owner, attr, None)


def write_xlsx(report: Report, path: Path) -> Path:
    target = check_output(path, force=True)  # the real file: its temporaries go beside it

    def write(tmp: Path) -> None:
        # built inside the write: a path that cannot be written never gets a half-made workbook
        with _sheet_files_beside(target):
            wb = Workbook(write_only=True)
            try:
                fill_workbook(wb, report)
                wb.save(tmp)
            except BaseException:
                _close_quietly(wb)
                raise

    return write_atomically(target, write)
