"""The organisation registry with this year's approaches; rename (e) and merge (m)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from chofu_tui import i18n
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import YearScreen
from chofu_tui.screens.prompt import PromptDialog
from chofu_tui.services import organisations
from chofu_tui.services.year_view import YearView
from chofu_tui.widgets.header import AppHeader
from chofu_tui.widgets.keybar import KeyBar


class OrganisationsLoaded(Message):
    def __init__(self, rows: list[organisations.OrganisationRow]) -> None:
        super().__init__()
        self.rows = rows


class OrganisationsChanged(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class OrganisationsScreen(YearScreen):
    CSS_PATH = "organisations.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("e", "rename", i18n.KEY_RENAME, id="org-rename"),
        Binding("m", "merge", i18n.KEY_MERGE, id="org-merge"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, organisations.OrganisationRow] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(i18n.KEY_ORGS)
        yield Static(i18n.ORGS_TITLE, id="orgs-title", classes="muted")
        table: DataTable[str] = DataTable(id="orgs", cursor_type="row", zebra_stripes=True)
        table.add_columns(*i18n.ORGS_COLUMNS)
        yield table
        yield KeyBar()

    def show_view(self, view: YearView) -> None:
        self._load(view.fy.year)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self, year: int) -> None:
        self.post_message(OrganisationsLoaded(organisations.list_with_counts(year)))

    def on_organisations_loaded(self, message: OrganisationsLoaded) -> None:
        rows = message.rows
        table = self.query_one(DataTable)
        keep = table.cursor_row
        kept = self.selected()
        table.clear()
        self.rows = {r.id: r for r in rows}
        for r in rows:
            # Names are user text: literal (a name like 「[/]サロン」 is not markup), one line.
            table.add_row(Text(one_line(r.name), no_wrap=True), str(r.approaches), key=str(r.id))
        if rows:
            # The same organisation stays under the cursor when another writer adds one.
            if kept is not None and kept.id in self.rows:
                keep = table.get_row_index(str(kept.id))
            table.move_cursor(row=min(keep, len(rows) - 1))

    def selected(self) -> organisations.OrganisationRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key or 0))

    def action_rename(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(name: str | None) -> None:
            if name:
                self._change(lambda: organisations.rename(row.id, name), i18n.ORGS_RENAMED)

        self.app.push_screen(PromptDialog(i18n.ORGS_RENAME_PROMPT, one_line(row.name)), done)

    def action_merge(self) -> None:
        row = self.selected()
        if row is None:
            return
        others = [r.name for r in self.rows.values() if r.id != row.id]

        def done(name: str | None) -> None:
            if not name:
                return
            keep = next(
                (
                    r
                    for r in self.rows.values()
                    if organisations.org_key(r.name) == organisations.org_key(name)
                ),
                None,
            )
            if keep is None:
                self.notify(i18n.ORGS_UNKNOWN.format(name=name), severity="error")
                return
            self._change(
                lambda: organisations.merge(keep.id, row.id),
                i18n.ORGS_MERGED,
            )

        question = i18n.ORGS_MERGE_PROMPT.format(name=one_line(row.name))
        self.app.push_screen(PromptDialog(question, suggestions=others), done)

    @work(thread=True, exit_on_error=False)
    def _change(self, change: Callable[[], object], message: str) -> None:
        """A rename or merge; a refusal (UserError) ends the worker and is shown by the
        screens' error policy (base.Seam)."""
        result = change()
        text = message.format(n=result) if isinstance(result, int) else message
        self.post_message(OrganisationsChanged(text))

    def on_organisations_changed(self, message: OrganisationsChanged) -> None:
        self.notify(message.text)
        self.chofu.reload()
