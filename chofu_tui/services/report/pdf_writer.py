"""The report as a PDF, ready to print and archive without Excel: the same sheets as the
workbook (printed.py), A4 landscape, 9.5 pt text that wraps (nothing is cut), ruled tables
whose header row repeats on every page, the title block on the first page, and on every page
the title, 「取扱注意」 when the report carries personal information, and "n / N".

reportlab with its built-in Japanese CID font (HeiseiKakuGo-W5): no font file is shipped.
User text is data: it is escaped before reportlab's Paragraph reads its markup.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from chofu_tui.services.report.model import SENSITIVE, Report
from chofu_tui.services.report.output import check_output, write_atomically
from chofu_tui.services.report.printed import (
    PrintSheet,
    RowKind,
    printed_sheets,
    text,
    title_lines,
)
from chofu_tui.services.report.tables import Cell, ColumnKind, as_text

FONT = "HeiseiKakuGo-W5"
BODY_PT = 9.5
PAGE = landscape(A4)
MARGIN = 12 * mm
_registered = False


def _font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


def _style(size: float = BODY_PT, *, align: Literal[0, 1, 2] = 0) -> ParagraphStyle:
    return ParagraphStyle(
        "cell",
        fontName=FONT,
        fontSize=size,
        leading=size * 1.3,
        alignment=align,
        wordWrap="CJK",  # Japanese breaks between any two characters
    )


BODY = _style()
RIGHT = _style(align=2)
CENTER = _style(align=1)
TITLE = _style(15)
GROUP = _style()


def _para(value: str, style: ParagraphStyle = BODY, *, bold: bool = False) -> Paragraph:
    shown = escape(text(value)).replace("\n", "<br/>")
    return Paragraph(f"<b>{shown}</b>" if bold else shown, style)


def _cell(value: Cell, kind: ColumnKind) -> Paragraph:
    if isinstance(value, dt.date):
        return _para(f"{value.year}/{value.month}/{value.day}")
    if kind in (ColumnKind.NUMBER, ColumnKind.RATE):
        return _para(as_text(value, kind, grouped=True), RIGHT)
    return _para(as_text(value, kind))


def _table(sheet: PrintSheet, width: float) -> Table:
    units = sum(c.width for c in sheet.columns)
    col_widths = [width * c.width / units for c in sheet.columns]
    n = len(sheet.columns)
    data: list[list[Any]] = [[_para(c.header, CENTER, bold=True) for c in sheet.columns]]
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT),  # even an empty cell names the Japanese font
        ("FONTSIZE", (0, 0), (-1, -1), BODY_PT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    fills = {RowKind.PROGRAM_AREA: "#BDD7EE", RowKind.HEADING: "#F2F2F2"}
    for row in sheet.rows:
        r = len(data)
        if row.kind in (RowKind.PROGRAM_AREA, RowKind.HEADING, RowKind.INITIATIVE):
            data.append([_para(str(row.cells[0]), bold=True)] + [""] * (n - 1))
            style.append(("SPAN", (0, r), (-1, r)))
            if row.kind in fills:
                style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor(fills[row.kind])))
        elif row.kind is RowKind.ITEM:
            body = _para(str(row.cells[1])) if len(row.cells) > 1 else ""
            data.append([_para(str(row.cells[0]), bold=True), body] + [""] * (n - 2))
            style.append(("SPAN", (1, r), (-1, r)))
        else:
            data.append([_cell(v, c.kind) for v, c in zip(row.cells, sheet.columns, strict=True)])
    table = Table(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _story(report: Report, width: float) -> list[Any]:
    story: list[Any] = []
    for i, sheet in enumerate(printed_sheets(report)):
        if i:
            story.append(PageBreak())
        lines = title_lines(report, sheet.name)
        story.append(_para(lines[0], TITLE, bold=True))
        story.append(Spacer(1, 2 * mm))
        for line in lines[1:]:
            story.append(_para(line, bold=line == SENSITIVE))
        story.append(Spacer(1, 3 * mm))
        story.append(_table(sheet, width))
        for note in sheet.footnotes:
            story.append(Spacer(1, 2 * mm))
            story.append(_para(note))
    return story


def _numbered_canvas(report: Report) -> type[rl_canvas.Canvas]:
    """A canvas that knows the page count when it prints "n / N" (pages are kept until the end)."""
    title = text(report.title)

    class Numbered(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own reset

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            w, h = PAGE
            self.setFont(FONT, 9)
            self.drawString(MARGIN, h - 8 * mm, title)
            if report.sensitive:
                self.drawRightString(w - MARGIN, h - 8 * mm, SENSITIVE)
            self.drawCentredString(w / 2, 6 * mm, f"{self.getPageNumber()} / {total}")

    return Numbered


def pdf_bytes(report: Report) -> bytes:
    _font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=12 * mm,
        title=text(report.title),
        author=text(report.author),
        subject=text(report.plan_title),
        creator=text(report.author),
    )
    doc.build(_story(report, doc.width), canvasmaker=_numbered_canvas(report))
    return buffer.getvalue()


def write_pdf(report: Report, path: Path) -> Path:
    target = check_output(path, force=True)

    def write(tmp: Path) -> None:
        tmp.write_bytes(pdf_bytes(report))  # made first: a failure leaves nothing

    return write_atomically(target, write)
