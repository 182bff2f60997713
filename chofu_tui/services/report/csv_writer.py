"""A report view as CSV: UTF-8 with a byte-order mark (Excel on Japanese Windows reads it
right), ISO dates, plain numbers, rates as percentages (12.5%).

Text is data: no control characters, and a cell of text that a spreadsheet would evaluate
(=, +, -, @, tab or CR first) starts with ' (the OWASP rule), in every view. Numbers stay numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

from chofu_tui.safetext import csv_cell, strip_controls
from chofu_tui.services.report.model import Report
from chofu_tui.services.report.output import write_atomically
from chofu_tui.services.report.tables import Cell, ColumnKind, View, as_text, table


def _text(text: str) -> str:
    return csv_cell(strip_controls(text, multiline=True))


def cell_text(value: Cell, kind: ColumnKind) -> str:
    """A cell as CSV text: figures and dates as they are, text never a formula."""
    shown = as_text(value, kind)
    return _text(shown) if isinstance(value, str) else shown


def write_csv(report: Report, path: Path, view: View | str = View.ANNUAL) -> Path:
    t = table(report, view)
    kinds = [c.kind for c in t.columns]

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow([_text(h) for h in t.headers])  # coordinator names are headers too
            for row in t.rows:
                w.writerow([cell_text(v, k) for v, k in zip(row, kinds, strict=True)])

    return write_atomically(path, write)
