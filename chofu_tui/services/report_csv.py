"""A report view as CSV: UTF-8 with a byte-order mark (Excel on Japanese Windows reads it
right), ISO dates, plain numbers, rates as percentages (12.5%)."""

from __future__ import annotations

import csv
from pathlib import Path

from chofu_tui.services.report import Report
from chofu_tui.services.report_files import write_atomically
from chofu_tui.services.report_tables import View, as_text, table


def write_csv(report: Report, path: Path, view: View | str = View.ANNUAL) -> Path:
    t = table(report, view)
    kinds = [c.kind for c in t.columns]

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(t.headers)
            for row in t.rows:
                w.writerow([as_text(v, k) for v, k in zip(row, kinds, strict=True)])

    return write_atomically(path, write)
