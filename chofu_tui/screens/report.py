"""The report screen: the year's report as a table, one view at a time, with a chart of the
highlighted target's months, and Excel export with one key (written in a worker)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from chofu_tui.context import Context
from chofu_tui.errors import UserError, cannot_write
from chofu_tui.plan import Plan
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.services.report import (
    MONTH_LABELS,
    SUBSIDY_MARK,
    NoteGroup,
    Report,
)
from chofu_tui.services.report.build import build_report_in_worker
from chofu_tui.services.report.output import default_output_path
from chofu_tui.services.report.save import save_report
from chofu_tui.services.report.tables import (
    Cell,
    ColumnKind,
    Table,
    View,
    as_text,
    rate_text,
    table,
)
from chofu_tui.services.year_view import short_labels
from chofu_tui.textfmt import clip
from chofu_tui.widgets.keybar import KeyBar

# Long texts that belong in the spreadsheet, not in a terminal row.
# 目標ID too: English ids are never shown in the app.
HIDDEN = {"施策", "取組", "質的目標", "数え方", "目標ID"}
NARROW = 120  # below this many columns the label comes first, then the figures
# Columns that follow the figures at narrow widths (the label leads, 目標/実績/達成率 next).
TRAILING = ("単位", SUBSIDY_MARK)
MAX_CELL = 40  # terminal cells shown of a long text
VIEW_KEYS = {
    "1": View.ANNUAL,
    "2": View.MONTHLY,
    "3": View.AREA,
    "4": View.COORDINATOR,
    "5": View.NOTES,
}


def _shown(value: Cell, kind: ColumnKind) -> str | Text:
    if value is None:
        return Text("-", justify="right")
    if kind in (ColumnKind.RATE, ColumnKind.NUMBER):
        return Text(as_text(value, kind, grouped=True), justify="right")
    if isinstance(value, dt.date):
        return as_text(value, kind)
    if value == SUBSIDY_MARK:
        return "補"  # ※ has an ambiguous width in terminals
    # User text (notes, names) is shown literally: a DataTable reads a plain str as markup.
    return Text(clip(one_line(str(value)), MAX_CELL))


class ReportScreen(Seam, Screen[None]):
    """実績報告: pick a view (1-5), look at the table and the months, export with x."""

    CSS_PATH = "report.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "view('annual')", "年間", id="report.view.annual"),
        Binding("2", "view('monthly')", "月別", id="report.view.monthly"),
        Binding("3", "view('area')", "圏域別", id="report.view.area"),
        Binding("4", "view('coordinator')", "コーディネーター別", id="report.view.coordinator"),
        Binding("5", "view('notes')", "記録", id="report.view.notes"),
        Binding("s", "toggle_subsidy", "補助対象のみ", id="report.subsidy"),
        Binding("x", "export", "Excelに出力", id="report.export"),
        Binding("escape", "close", "閉じる", id="report.close"),
    ]

    class Exported(Message):
        """The export worker finished: a path, or a message saying why not."""

        def __init__(self, path: Path | None, error: str | None = None) -> None:
            super().__init__()
            self.path = path
            self.error = error

    class Built(Message):
        """The report worker finished: the report, or a message saying why not."""

        def __init__(self, report: Report | None, error: str | None = None) -> None:
            super().__init__()
            self.report = report
            self.error = error

    def __init__(self, ctx: Context, plan: Plan, as_of: dt.date) -> None:
        super().__init__()
        self.ctx = ctx
        self.plan = plan
        self.as_of = as_of
        self.view = View.ANNUAL
        self.subsidy_only = False
        self.report: Report | None = None
        self.current: Table | None = None
        self.export_dir: Path | None = None  # None: the current folder, as the command line
        self.shorts = short_labels(plan)
        self._narrow: bool | None = None  # the layout last shown

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title")
        yield Static("", id="report-status")
        yield DataTable(id="report-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="report-detail"):
            yield Static("", id="report-detail-text")
            yield Sparkline([0] * 12, id="report-chart", summary_function=max)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#report-title", Static).update("実績報告")
        self.query_one("#report-status", Static).update("集計しています...")
        self._build()

    # --- building and showing ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="report-build", exit_on_error=False)
    def _build(self) -> None:
        # a year of entries takes a moment to count: off the UI thread, with its own connection
        try:
            report = build_report_in_worker(self.plan, self.as_of, subsidy_only=self.subsidy_only)
        except UserError as exc:
            self.post_message(self.Built(None, exc.message))
            return
        self.post_message(self.Built(report))

    def on_report_screen_built(self, message: Built) -> None:
        self.report = message.report
        if message.report is None:
            self.query_one("#report-status", Static).update(message.error or "")
            return
        self._show()

    def _show(self) -> None:
        report = self.report
        if report is None:
            return
        self.query_one("#report-title", Static).update(
            Text(f"{report.title}  {report.as_of_label}  [{self.view.label}]")
        )
        status = self.query_one("#report-status", Static)
        views = "  ".join(
            f"{key} {v.label}" + ("*" if v is self.view else "") for key, v in VIEW_KEYS.items()
        )
        status.update(report.empty_message or f"表示: {views}")
        status.set_class(bool(report.empty_message), "empty")
        self.current = table(report, self.view)
        narrow = self._is_narrow()
        self._narrow = narrow
        shown = self._column_order(narrow)
        label_col = self.current.headers.index("内容") if "内容" in self.current.headers else -1
        grid = self.query_one("#report-table", DataTable)
        grid.clear(columns=True)
        for i in shown:
            header = self.current.columns[i].header
            label = "補助" if header == SUBSIDY_MARK else one_line(header)  # a coordinator's name
            grid.add_column(Text(label), key=f"c{i}")
        for n, row in enumerate(self.current.rows):
            cells = [_shown(row[i], self.current.columns[i].kind) for i in shown]
            if narrow and label_col in shown and n < len(self.current.targets):
                short = self.shorts.get(self.current.targets[n].target_id)
                if short:  # the short label (略称), as on the dashboard
                    cells[shown.index(label_col)] = Text(short)
            grid.add_row(*cells, key=f"r{n}")
        self.query_one("#report-chart", Sparkline).set_class(self.view is View.NOTES, "hidden")
        self._detail(grid.cursor_row if self.current.rows else None)

    def _is_narrow(self) -> bool:
        return (self.app.size.width or NARROW) < NARROW

    def _column_order(self, narrow: bool) -> list[int]:
        """The columns shown; at narrow widths the label first, then 目標/実績/達成率 and the
        rest, the unit and 補助 last, so the figures are in sight without scrolling."""
        assert self.current is not None
        shown = [i for i, c in enumerate(self.current.columns) if c.header not in HIDDEN]
        if not narrow:
            return shown
        headers = self.current.headers
        lead = [i for i in shown if headers[i] == "内容"]
        tail = [i for i in shown if headers[i] in TRAILING]
        return lead + [i for i in shown if i not in lead and i not in tail] + tail

    def on_resize(self) -> None:
        if self._narrow is not None and self._narrow != self._is_narrow():
            self._show()

    def _detail(self, row: int | None) -> None:
        text = self.query_one("#report-detail-text", Static)
        chart = self.query_one("#report-chart", Sparkline)
        if self.report is None or self.current is None or row is None:
            text.update("")
            chart.data = [0] * 12
            return
        if self.view is View.NOTES:
            group = self._note_group(row)
            text.update(
                Text(f"{group.initiative}\n質的目標: {group.qualitative_goal}" if group else "")
            )
            return
        target = self.current.targets[row]
        months = "  ".join(f"{m} {n}" for m, n in zip(MONTH_LABELS, target.months, strict=True))
        rate = rate_text(target.rate) if target.rate is not None else "-"
        text.update(
            Text(
                f"{target.initiative}\n{target.label}  実績 {target.actual} / 目標 {target.goal}"
                f" {target.unit} ({rate})  {target.basis}\n{months}"
            )
        )
        chart.data = list(target.months)

    def _note_group(self, row: int) -> NoteGroup | None:
        """The initiative whose notes hold table row `row` (the notes view lists them in order)."""
        assert self.report is not None
        for g in self.report.notes:
            if row < len(g.notes):
                return g
            row -= len(g.notes)
        return None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    # --- actions -------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        self.view = View(name)
        self._show()

    def action_toggle_subsidy(self) -> None:
        self.subsidy_only = not self.subsidy_only
        self._build()
        scope = "補助対象の取組だけ" if self.subsidy_only else "すべての取組"
        self.notify(f"{scope}を表示しています")

    def action_export(self) -> None:
        if self.report is None:
            self.notify("出力する報告がありません", severity="warning")
            return
        folder = (self.export_dir or Path.cwd()).absolute()
        # the command line's rule: a free default name (…-2.xlsx), never the store
        path = default_output_path(self.report, "xlsx", folder=folder)
        self.notify(f"Excelに出力しています: {path}")
        self._export(self.report, path)

    @work(thread=True, exclusive=True, group="report-export", exit_on_error=False)
    def _export(self, report: Report, path: Path) -> None:
        try:
            written, _ = save_report(report, "xlsx", path=path, store=self.ctx.db_path)
            self.post_message(self.Exported(written))
        except UserError as exc:
            self.post_message(self.Exported(None, exc.message))
        except OSError as exc:  # a full disk while writing: the same words as the command line
            self.post_message(self.Exported(None, cannot_write(path, exc).message))

    def on_report_screen_exported(self, message: Exported) -> None:
        if message.path is not None:
            self.notify(f"Excelに出力しました: {message.path}", title="実績報告", timeout=10)
        else:
            self.notify(message.error or "出力できませんでした", severity="error", timeout=10)

    def action_close(self) -> None:
        self.dismiss()
