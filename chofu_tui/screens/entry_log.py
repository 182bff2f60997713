"""The entry log: every entry of the year, newest first; filter, edit (e), delete (x), undo (u)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from chofu_tui import i18n
from chofu_tui.errors import UserError
from chofu_tui.plan import Plan
from chofu_tui.screens.base import YearScreen
from chofu_tui.services import entries
from chofu_tui.services.dashboard import YearView
from chofu_tui.textfmt import clip
from chofu_tui.widgets.header import AppHeader
from chofu_tui.widgets.keybar import KeyBar


@dataclass(frozen=True)
class LogFilter:
    target: str | None = None
    area: int | None = None
    organisation: str = ""
    text: str = ""


class EntryLogScreen(YearScreen):
    CSS_PATH = "entry_log.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("e", "edit", i18n.KEY_EDIT, id="log-edit"),
        Binding("x", "delete", i18n.KEY_DELETE, id="log-delete"),
        Binding("u", "undo", i18n.KEY_UNDO, id="log-undo"),
        Binding("slash", "focus_filter", i18n.KEY_FILTER, id="log-filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, entries.EntryRecord] = {}
        self.undo: list[entries.EntryRecord] = []  # snapshots before each edit or delete
        self._plan: Plan | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(i18n.KEY_LOG)
        with Horizontal(id="filters"):
            yield Input(placeholder=i18n.LOG_FILTER_TEXT, id="filter-text")
            yield Select[str]([], prompt=i18n.LOG_ALL_TARGETS, id="filter-target")
            yield Select[int]([], prompt=i18n.LOG_ALL_AREAS, id="filter-area")
            yield Input(placeholder=i18n.LOG_FILTER_ORG, id="filter-org")
        yield Static("", id="log-count", classes="muted")
        table: DataTable[str] = DataTable(id="log", cursor_type="row", zebra_stripes=True)
        table.add_columns(*i18n.LOG_COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()

    @property
    def plan(self) -> Plan | None:
        view = self.app.view  # type: ignore[attr-defined]
        return view.plan if view else None

    def show_view(self, view: YearView) -> None:
        if view.plan is not self._plan and view.plan is not None:
            self._plan = view.plan
            self.query_one("#filter-target", Select).set_options(
                (f"{t.label} ({t.id})", t.id) for t in view.plan.targets() if t.loggable
            )
            self.query_one("#filter-area", Select).set_options(
                (f"{a.no} {a.name}", a.no) for a in view.plan.areas
            )
        self.load()

    def current_filter(self) -> LogFilter:
        target = self.query_one("#filter-target", Select).value
        area = self.query_one("#filter-area", Select).value
        return LogFilter(
            target=target if isinstance(target, str) else None,
            area=area if isinstance(area, int) else None,
            organisation=self.query_one("#filter-org", Input).value.strip(),
            text=self.query_one("#filter-text", Input).value.strip(),
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _filter_changed(self) -> None:
        self.load()

    @on(Input.Submitted)
    def _to_table(self) -> None:
        self.query_one(DataTable).focus()

    def load(self) -> None:
        view = self.app.view  # type: ignore[attr-defined]
        if view is not None:
            self._load(view.fy.year, self.current_filter())

    @work(thread=True, exclusive=True, group="log", exit_on_error=False)
    def _load(self, year: int, f: LogFilter) -> None:
        recs = entries.list_entries(
            year,
            target=f.target,
            area=f.area,
            organisation=f.organisation or None,
            text=f.text or None,
        )
        self.app.call_from_thread(self._fill, recs)

    def _fill(self, recs: list[entries.EntryRecord]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        self.records = {r.uuid: r for r in recs}
        plan = self.plan
        for r in recs:
            labels = "、".join(
                (t.label if (t := plan.target(tid)) else tid) if plan else tid for tid in r.targets
            )
            table.add_row(
                r.date.isoformat(),
                clip(labels, max(18, self.size.width - 80)),  # wider screens: whole labels
                str(r.area),
                str(r.count),
                clip(r.organisation or r.case_code or "", 16),
                r.coordinator,
                clip(r.note, 24),
                key=r.uuid,
            )
        if recs:
            table.move_cursor(row=min(keep, len(recs) - 1))
        self.query_one("#log-count", Static).update(i18n.LOG_COUNT.format(n=len(recs)))

    def selected(self) -> entries.EntryRecord | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.records.get(key or "")

    def action_focus_filter(self) -> None:
        self.query_one("#filter-text").focus()

    def action_edit(self) -> None:
        rec, plan = self.selected(), self.plan
        if rec is None or plan is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return
        from chofu_tui.screens.quick_entry import QuickEntryDialog

        def done(saved: entries.Saved | None) -> None:
            if saved is not None:
                self.undo.append(rec)
                self.notify(i18n.LOG_EDITED)
                self.app.reload()  # type: ignore[attr-defined]

        self.app.push_screen(
            QuickEntryDialog(self.app.ctx, plan, day=rec.date, record=rec),  # type: ignore[attr-defined]
            done,
        )

    def action_delete(self) -> None:
        rec = self.selected()
        if rec is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return
        self._write(rec, lambda: entries.set_deleted(rec.uuid, True), i18n.LOG_DELETED, True)

    def action_undo(self) -> None:
        if not self.undo:
            self.notify(i18n.LOG_NOTHING_TO_UNDO, severity="warning")
            return
        rec = self.undo.pop()
        self._write(rec, lambda: entries.restore_snapshot(rec), i18n.LOG_UNDONE, False)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, rec: entries.EntryRecord, change, message: str, push: bool) -> None:
        try:
            change()
        except UserError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        except Exception as exc:  # a locked store: say so
            self.app.call_from_thread(self.notify, f"保存できませんでした: {exc}", severity="error")
            return
        self.app.call_from_thread(self._written, rec, message, push)

    def _written(self, rec: entries.EntryRecord, message: str, push: bool) -> None:
        if push:
            self.undo.append(rec)
        self.notify(message)
        self.app.reload()  # type: ignore[attr-defined]
