"""Who I am and my area, kept in the store (quick entry starts from them)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from chofu_tui import i18n
from chofu_tui.errors import UserError
from chofu_tui.screens.base import YearScreen
from chofu_tui.services import backups, entries
from chofu_tui.services import settings as settings_service
from chofu_tui.services.year_view import YearView
from chofu_tui.textfmt import fit
from chofu_tui.widgets.header import AppHeader
from chofu_tui.widgets.keybar import KeyBar

BACKUPS_TITLE = "自動バックアップ (新しい順)"
BACKUPS_NONE = "まだありません (その日の最初の保存のときに作られます)"
BACKUPS_HOW = "一覧と復元: chofu-tui backups / chofu-tui restore-backup 名前"
BACKUPS_SHOWN = 5  # before the screen has a size


class SettingsScreen(YearScreen):
    CSS_PATH = "settings.tcss"
    AUTO_FOCUS = ""  # single-letter keys keep working until the user tabs into a field
    BINDINGS = [Binding("ctrl+s", "save", i18n.KEY_SAVE, id="settings-save")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield AppHeader(i18n.KEY_SETTINGS)
        with Vertical(id="settings"):
            with Horizontal(classes="field"):
                yield Label(i18n.SETTINGS_COORD)
                yield Input(id="coordinator")
            with Horizontal(classes="field"):
                yield Label(i18n.SETTINGS_AREA)
                yield Input(id="area")
            yield Static("", id="areas", classes="muted")
            yield Static(i18n.SETTINGS_HINT, classes="muted")
            yield Static("", id="settings-error", classes="error")
            yield Static(BACKUPS_TITLE, id="backups-title")
            yield Static("", id="backups-list")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self._load()

    def on_screen_resume(self) -> None:
        self._load()  # what is stored, not what was typed and left unsaved

    def _load(self) -> None:
        mine = self.chofu.ctx.settings()
        self.query_one("#coordinator", Input).value = mine.coordinator
        self.query_one("#area", Input).value = str(mine.area) if mine.area else ""
        self.query_one("#settings-error", Static).update("")
        self._show_backups()

    def _show_backups(self) -> None:
        """The program's own backups, newest first (as many as fit; `backups` lists all)."""
        try:
            found = backups.listing()
        except Exception:  # a folder we cannot read: the settings still work
            found = []
        box = self.query_one("#backups-list", Static)
        # as many as the screen has lines for, keeping one for "ほか" and one for how to restore
        room = box.size.height or BACKUPS_SHOWN + 2
        shown = len(found) if len(found) + 1 <= room else max(1, room - 2)
        lines = Text()
        if not found:
            lines.append(BACKUPS_NONE, style="dim")
        for b in found[:shown]:
            entries = "?" if b.entries is None else f"{b.entries:,}"
            check = "" if b.integrity == "ok" else "  検査で異常"
            lines.append(f"{b.when.replace('T', ' ')[:16]}  ")
            lines.append(fit(b.why_label, 14))
            lines.append(f"  記録 {entries:>7} 件{check}\n")
        if len(found) > shown:
            lines.append(f"ほか {len(found) - shown} 件\n", style="dim")
        if found:
            lines.append(BACKUPS_HOW, style="dim")
        lines.rstrip()
        box.update(lines)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_backups)  # as many rows as fit the new size

    def show_view(self, view: YearView) -> None:
        if view.plan is not None:
            cells = [f"{a.no} {a.name}" for a in view.plan.areas]
            lines = ["    ".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
            self.query_one("#areas", Static).update("\n".join(lines))

    def action_save(self) -> None:
        view, ctx = self.view, self.chofu.ctx
        try:
            plan = view.plan if view and view.plan else ctx.plan_for_entry(ctx.today())
            area = entries.resolve_area(plan, self.query_one("#area", Input).value)
        except UserError as exc:
            self.query_one("#settings-error", Static).update(exc.message)
            return
        coordinator = self.query_one("#coordinator", Input).value.strip()
        try:
            settings_service.save(settings_service.UserSettings(coordinator, area))
        except Exception as exc:  # a locked or full store: said, not a crash
            self.chofu.report_error(exc)
            return
        self.query_one("#settings-error", Static).update("")
        self.set_focus(None)  # the screen keys (d, n, ...) work again at once
        self.notify(i18n.SETTINGS_SAVED)
