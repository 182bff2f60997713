"""The entry log: entries of the year (or of every year), newest first; filter, show (Enter),
edit (e), delete (x), undo (u), history (h). The cursor follows the entry, not the row number."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from chofu_tui import i18n
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan
from chofu_tui.safetext import one_line, strip_controls
from chofu_tui.screens.base import YearScreen
from chofu_tui.screens.popup import TextPopup
from chofu_tui.services import entries, entry_log
from chofu_tui.services.entry_log import LogQuery
from chofu_tui.services.year_view import YearView, short_labels
from chofu_tui.textfmt import clip
from chofu_tui.widgets.header import AppHeader
from chofu_tui.widgets.keybar import KeyBar

FILTER_TEXT = "メモ・団体・ケース・記録者・目標で検索"
KEY_DETAIL = "詳細"
KEY_HISTORY = "履歴"
KEY_ALL_YEARS = "全年度"
KEY_THIS_YEAR = "この年度"
ALL_YEARS = "全年度"
COUNT = "{scope} {n}件"
COUNT_MORE = "{scope} {n}件まで表示 (↓・PageDown・End で続きを表示)"
# The log opens on its first page at once; more come as the cursor nears the end.
PAGE = 200
NARROW = 100  # below this many columns: short labels and the narrow columns
MEMO_MIN = 20  # cells of memo at 80 columns
NARROW_COLUMNS = ("日付", "目標", "圏", "回", "団体・ケース", "記録者", "メモ")
NEAR_END = 20  # rows before the last one shown at which the next page is asked for
UNDONE = "元に戻しました: {entry} ({what}を取り消し)"
WHAT_DELETE = "削除"
WHAT_EDIT = "編集"
MOVED = "記録を更新しました。{fy}の記録になりました (u で元に戻す)"
DETAIL_TITLE = "記録の詳細"
DETAIL_KEYS = "Esc・Enter 閉じる  ↑↓ PageUp PageDown 移動"
DETAIL_FIELDS = (
    "日付",
    "目標",
    "圏域",
    "記録者",
    "団体",
    "ケースコード",
    "回数",
    "メモ",
    "作成",
    "更新",
)


def cell(text: str) -> Text:
    """A table cell of user text: literal (never markup), on one line, no control characters."""
    return Text(one_line(text), no_wrap=True)


class LogTable(DataTable[str | Text]):
    """The log's rows; Home and End go to the first and last entry (not the first column),
    Enter shows the entry whole (named in the key bar)."""

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "select_cursor", KEY_DETAIL, id="log-detail"),
        Binding("home", "scroll_top", show=False),
        Binding("end", "last_entry", show=False),
    ]

    class WantsEnd(Message):
        """End was pressed: the screen loads what is not shown yet, then goes to the last."""

    def action_last_entry(self) -> None:
        self.post_message(self.WantsEnd())


class LogLoaded(Message):
    """A page of the log (offset 0: the first, which replaces what is shown)."""

    def __init__(
        self,
        recs: list[entries.EntryRecord],
        labels: dict[str, str],
        query: LogQuery,
        offset: int,
        more: bool,
        to_end: bool,
    ) -> None:
        super().__init__()
        self.recs, self.labels, self.query = recs, labels, query
        self.offset, self.more, self.to_end = offset, more, to_end


class EntryWritten(Message):
    """A delete or undo was stored; `written` says so and keeps the undo list."""

    def __init__(
        self, written: Callable[[entries.EntryRecord], None], result: entries.EntryRecord
    ) -> None:
        super().__init__()
        self.written, self.result = written, result


class EntryDetail(TextPopup):
    """Everything one entry holds, with the whole multi-line memo."""

    NAME = "detail"
    TITLE = DETAIL_TITLE
    KEYS = DETAIL_KEYS

    def __init__(self, record: entries.EntryRecord, labels: dict[str, str], plan: Plan | None):
        super().__init__()
        self.record = record
        self.labels = labels
        self.plan = plan

    def body(self) -> Text:
        r = self.record
        area = self.plan.area(r.area) if self.plan else None
        values = [
            f"{r.date.isoformat()} ({r.fiscal_year.label})",
            "、".join(f"{self.labels.get(t, t)} ({t})" for t in r.targets),
            f"{r.area} {area.name}" if area else str(r.area),
            r.coordinator,
            r.organisation or "",
            r.case_code or "",
            str(r.count),
            None,  # the memo: below, on its own lines
            entry_log.local_time(r.created_at),
            entry_log.local_time(r.updated_at),
        ]
        text = Text()
        for name, value in zip(DETAIL_FIELDS, values, strict=True):
            text.append(f"{name}: ", style="bold")
            if value is None:
                memo = strip_controls(r.note, multiline=True).expandtabs(4)
                text.append("\n" + memo if memo else "")
            else:
                text.append(one_line(value))
            text.append("\n")
        text.rstrip()
        return text


class EntryLogScreen(YearScreen):
    CSS_PATH = "entry_log.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("e", "edit", i18n.KEY_EDIT, id="log-edit"),
        Binding("x", "delete", i18n.KEY_DELETE, id="log-delete"),
        Binding("u", "undo", i18n.KEY_UNDO, id="log-undo"),
        Binding("h", "history", KEY_HISTORY, id="log-history"),
        Binding("slash", "focus_filter", i18n.KEY_FILTER, id="log-filter"),
        Binding("a", "all_years(True)", KEY_ALL_YEARS, id="log-all-years"),
        Binding("a", "all_years(False)", KEY_THIS_YEAR, id="log-this-year"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, entries.EntryRecord] = {}
        # (before, after) of each edit or delete: undo puts `before` back if it is still `after`.
        self.undo: list[tuple[entries.EntryRecord, entries.EntryRecord]] = []
        self.all_years = False
        self.labels: dict[str, str] = {}
        self._plan: Plan | None = None
        self._options_for: object = ()  # the plan the target/area filters were made from
        self._cursor_to: str | None = None  # after an undo: the entry it brought back
        self._more = False  # entries after the last row shown
        self._loading_more = False
        self._query: LogQuery | None = None  # the query of the rows shown
        self._narrow_columns = False  # the columns are the narrow ones (圏/回)

    def compose(self) -> ComposeResult:
        yield AppHeader(i18n.KEY_LOG)
        with Horizontal(id="filters"):
            yield Input(placeholder=FILTER_TEXT, id="filter-text")
            yield Select[str]([], prompt=i18n.LOG_ALL_TARGETS, id="filter-target")
            yield Select[int]([], prompt=i18n.LOG_ALL_AREAS, id="filter-area")
            yield Input(placeholder=i18n.LOG_FILTER_ORG, id="filter-org")
        yield Static("", id="log-count", classes="muted", markup=False)
        table: LogTable = LogTable(id="log", cursor_type="row", zebra_stripes=True)
        table.add_columns(*i18n.LOG_COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()

    @property
    def plan(self) -> Plan | None:
        view = self.view
        return view.plan if view else None

    def show_view(self, view: YearView) -> None:
        # A year without a plan still lists its entries; the filters then offer the latest plan's.
        plan = view.plan or self._fallback_plan()
        if plan is not self._options_for and plan is not None:
            self._options_for = plan
            shorts = short_labels(plan)
            self.query_one("#filter-target", Select).set_options(
                # short labels: distinct, and never the English id
                (one_line(shorts[t.id]), t.id)
                for t in plan.targets()
                if t.loggable
            )
            self.query_one("#filter-area", Select).set_options(
                (one_line(f"{a.no} {a.name}"), a.no) for a in plan.areas
            )
        self._plan = plan
        self.load()

    def _fallback_plan(self) -> Plan | None:
        catalog = self.chofu.ctx.catalog
        latest = catalog.latest()
        try:
            return catalog.get(latest).plan if latest else None
        except UserError:
            return None

    def current_query(self) -> LogQuery:
        target = self.query_one("#filter-target", Select).value
        area = self.query_one("#filter-area", Select).value
        view = self.view
        year = None if self.all_years or view is None else view.fy.year
        return LogQuery(
            fiscal_year=year,
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
        """The first page again (after a filter change or a write); as many rows as shown now
        when the query is the same, so that the cursor keeps its entry."""
        if self.view is None:
            return
        query = self.current_query()
        shown = len(self.records) if query == self._query else 0
        self._loading_more = False
        self._load(query, 0, max(PAGE, shown))

    def _load_more(self, to_end: bool = False) -> None:
        if self._query is None or not self._more or self._loading_more:
            return
        self._loading_more = True
        self._load(self._query, len(self.records), None if to_end else PAGE, to_end)

    @work(thread=True, exclusive=True, group="log", exit_on_error=False)
    def _load(self, query: LogQuery, offset: int, limit: int | None, to_end: bool = False) -> None:
        labels = entry_log.target_labels(self.chofu.ctx.catalog, query.fiscal_year)
        # One row past the page says whether there is more.
        recs = entry_log.list_log(
            query, labels, limit=None if limit is None else limit + 1, offset=offset
        )
        more = limit is not None and len(recs) > limit
        self.post_message(LogLoaded(recs[:limit], labels, query, offset, more, to_end))

    def on_log_loaded(self, message: LogLoaded) -> None:
        if message.offset:
            self._append(message)
        else:
            self._fill(message.recs, message.labels, message.query, message.more)

    def _narrow(self) -> bool:
        return (self.size.width or self.app.size.width) < NARROW

    def _set_columns(self, table: LogTable) -> None:
        """At narrow widths 圏/回 (the figures are one or two digits), so the memo gets room."""
        narrow = self._narrow()
        if narrow == self._narrow_columns:
            return
        self._narrow_columns = narrow
        table.clear(columns=True)
        table.add_columns(*(NARROW_COLUMNS if narrow else i18n.LOG_COLUMNS))

    def on_resize(self) -> None:
        if self._query is not None and self._narrow() != self._narrow_columns:
            self.load()  # the other set of columns and widths

    def _add_rows(self, recs: list[entries.EntryRecord], labels: dict[str, str]) -> None:
        table = self.query_one(LogTable)
        narrow = self._narrow()
        if narrow:  # short labels (略称), a narrower 団体 and 記録者, the memo at least 20 cells
            shorts = short_labels(self._plan) if self._plan is not None else {}
            labels = {**labels, **shorts}
            widths = (14, 12, 6)  # 12: the width of 「団体・ケース」 itself
            fixed = 10 + 14 + 2 + 2 + 12 + 6 + 2 * len(NARROW_COLUMNS)
            memo = max(MEMO_MIN, (self.size.width or 80) - fixed)
        else:
            widths = (max(18, self.size.width - 80), 16, 12)  # wider: whole labels
            memo = 24
        for r in recs:
            self.records[r.uuid] = r
            names = "、".join(labels.get(tid, tid) for tid in r.targets)
            table.add_row(
                r.date.isoformat(),
                cell(clip(one_line(names), widths[0])),
                str(r.area),
                str(r.count),
                cell(clip(one_line(r.organisation or r.case_code or ""), widths[1])),
                cell(clip(one_line(r.coordinator), widths[2])),
                cell(clip(entry_log.memo_summary(r.note), memo)),
                key=r.uuid,
            )

    def _append(self, message: LogLoaded) -> None:
        self._loading_more = False
        if message.query != self._query or message.offset != len(self.records):
            return  # the filter changed while this page loaded
        self._add_rows([r for r in message.recs if r.uuid not in self.records], message.labels)
        self._more = message.more
        self._show_count(message.query)
        if message.to_end:
            table = self.query_one(LogTable)
            table.move_cursor(row=table.row_count - 1)

    def _show_count(self, query: LogQuery) -> None:
        scope = ALL_YEARS if query.fiscal_year is None else FiscalYear(query.fiscal_year).label
        form = COUNT_MORE if self._more else COUNT
        self.query_one("#log-count", Static).update(form.format(scope=scope, n=len(self.records)))

    @on(DataTable.RowHighlighted)
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self._more and event.cursor_row >= event.data_table.row_count - NEAR_END:
            self._load_more()

    @on(LogTable.WantsEnd)
    def _to_end(self) -> None:
        if self._more:
            self._load_more(to_end=True)
        else:
            table = self.query_one(LogTable)
            table.move_cursor(row=max(table.row_count - 1, 0))

    def _fill(
        self,
        recs: list[entries.EntryRecord],
        labels: dict[str, str],
        query: LogQuery,
        more: bool = False,
    ) -> None:
        table = self.query_one(LogTable)
        keep_row = table.cursor_row
        keep = self.selected()
        table.clear()
        self._set_columns(table)
        self.records = {}
        self.labels = labels
        self._query, self._more = query, more
        self._add_rows(recs, labels)
        if recs:
            # The same entry stays under the cursor, wherever a reload put it; if it is gone
            # (deleted, moved to another year), the row where it was.
            wanted = self._cursor_to or (keep.uuid if keep is not None else None)
            if wanted is not None and wanted in self.records:
                self._cursor_to = None
                row = table.get_row_index(wanted)
            else:
                row = min(keep_row, len(recs) - 1)
            table.move_cursor(row=row)
        self._show_count(query)

    def selected(self) -> entries.EntryRecord | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.records.get(key or "")

    def action_focus_filter(self) -> None:
        self.query_one("#filter-text").focus()

    def action_all_years(self, every: bool) -> None:
        self.all_years = every
        self.refresh_bindings()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "all_years":  # `a` is named for what it switches to
            return parameters[0] != self.all_years
        return True

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        rec = self.selected()
        if rec is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return
        self.app.push_screen(EntryDetail(rec, self.labels, self._plan))

    def action_history(self) -> None:
        rec = self.selected()
        if rec is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return
        from chofu_tui.screens.history import HistoryScreen
        from chofu_tui.services import history

        try:
            found = history.history_of(rec.uuid)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        self.app.push_screen(HistoryScreen(found))

    def action_edit(self) -> None:
        rec = self.selected()
        if rec is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return
        try:
            plan = entry_log.plan_for_edit(self.chofu.ctx.catalog, rec)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        from chofu_tui.screens.quick_entry import QuickEntryDialog

        def done(saved: entries.Saved | None) -> None:
            if saved is None:
                return
            self.undo.append((rec, saved.entry))
            moved = saved.entry.fiscal_year != rec.fiscal_year
            if moved:
                self.notify(MOVED.format(fy=saved.entry.fiscal_year.label))
            else:
                self.notify(i18n.LOG_EDITED)
            self.chofu.reload()

        self.app.push_screen(QuickEntryDialog(self.chofu.ctx, plan, day=rec.date, record=rec), done)

    def action_delete(self) -> None:
        rec = self.selected()
        if rec is None:
            self.notify(i18n.LOG_NO_ROW, severity="warning")
            return

        def written(after: entries.EntryRecord) -> None:
            self.undo.append((rec, after))
            self.notify(i18n.LOG_DELETED)

        self._write(lambda: entries.set_deleted(rec.uuid, True), written)

    def action_undo(self) -> None:
        if not self.undo:
            self.notify(i18n.LOG_NOTHING_TO_UNDO, severity="warning")
            return
        before, after = self.undo.pop()
        what = WHAT_DELETE if after.deleted and not before.deleted else WHAT_EDIT
        message = UNDONE.format(entry=entry_log.describe(before, self.labels), what=what)

        def written(restored: entries.EntryRecord) -> None:
            self._cursor_to = restored.uuid  # the cursor goes to what came back
            self.notify(message)

        self._write(lambda: entry_log.undo(before, after), written)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(
        self,
        change: Callable[[], entries.EntryRecord],
        written: Callable[[entries.EntryRecord], None],
    ) -> None:
        """A delete or undo. A refusal or a locked store ends the worker: the screens' error
        policy (base.Seam) shows its message."""
        self.post_message(EntryWritten(written, change()))

    def on_entry_written(self, message: EntryWritten) -> None:
        message.written(message.result)
        self.chofu.reload()
