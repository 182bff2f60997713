"""The report for the city: 実績 against 目標 by month, quarter, area and coordinator.

- model:   the Report and its rows and notes, as values;
- build:   build_report(), from the counting engine (services/progress.figures);
- records: the per-entry reads (notes);
- tables:  the views (annual, monthly, quarters, area, coordinator, notes) as tables;
- output:  where a report may be written (path checks, default names, atomic write);
- printed:  the printed report's sheets, laid out like the plan (shared by xlsx and PDF);
- text, csv_writer, xlsx_writer, pdf_writer: the formats; save: save_report() picks one.
Imports go one way (model <- build, tables <- writers <- save), so there is no cycle.
Nothing here imports Textual.
"""

from chofu_tui.services.report.build import build_report
from chofu_tui.services.report.model import (
    MONTH_LABELS,
    NO_COORDINATOR,
    QUARTER_LABELS,
    SUBSIDY_MARK,
    Note,
    NoteGroup,
    Report,
    TargetRow,
    report_as_of,
)

__all__ = [
    "MONTH_LABELS",
    "NO_COORDINATOR",
    "QUARTER_LABELS",
    "SUBSIDY_MARK",
    "Note",
    "NoteGroup",
    "Report",
    "TargetRow",
    "build_report",
    "report_as_of",
]
