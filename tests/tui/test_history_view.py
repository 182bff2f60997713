"""Issue 14 in the app: `h` on the entry log shows the selected entry's history (each change
with its fields: old → new, when, which device, who); user text literal."""

from __future__ import annotations

from textual.widgets import DataTable

from chofu_tui.app import ChofuApp
from chofu_tui.screens.entry_log import EntryLogScreen
from chofu_tui.screens.history import HistoryScreen
from chofu_tui.services import entries
from tests.tui.conftest import settle, text_of


def edit_note(uuid: str, note: str) -> None:
    from chofu_tui.services import changes
    from chofu_tui.store.models import Entry, database

    with database.atomic():  # as the edit dialog stores it
        Entry.update(note=note).where(Entry.uuid == uuid).execute()
        changes.entry_changed(uuid, "edit", "2024-12-13T01:00:00.000000Z")


async def test_h_shows_each_change_of_the_selected_entry(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        rec = app.screen.selected()
        assert rec is not None
        edit_note(rec.uuid, "[red]赤[/red] 直したメモ")
        entries.set_deleted(rec.uuid, True)
        entries.set_deleted(rec.uuid, False)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        shown = text_of(app, "#history-text")
        for what in ("作成", "編集", "削除", "復元"):
            assert what in shown
        assert "→ [red]赤[/red] 直したメモ" in shown  # literal, never markup
        assert "このパソコン" in shown and "石井" in shown
        assert shown.index("作成") < shown.index("編集") < shown.index("復元")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        assert "履歴" in [d for _k, d, _e in app.screen.query_one("KeyBar").keys]


async def test_history_fits_80x24(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count
        rec = app.screen.selected()
        for n in range(12):
            edit_note(rec.uuid, f"メモ{n}")
        await pilot.press("h")
        await settle(pilot)
        box = app.screen.query_one("#history")
        assert box.region.right <= 80 and box.region.bottom <= 24
        keys = app.screen.query_one("#history-keys")
        assert keys.region.bottom <= 24 and keys.region.height == 1
