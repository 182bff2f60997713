"""The entry log (l): newest first, filters, edit (e), delete (x), undo (u)."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, TextArea

from chofu_tui.app import ChofuApp
from chofu_tui.screens.entry_log import EntryLogScreen
from chofu_tui.screens.quick_entry import QuickEntryDialog
from chofu_tui.services import entries
from tests.tui.conftest import row, settle, text_of


def table_rows(app: ChofuApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_newest_first_and_filters(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        dates = [r[0] for r in table_rows(app)]
        assert dates == ["2024-09-09", "2024-07-01", "2024-06-03", "2024-06-03"]
        assert "4件" in text_of(app, "#log-count")
        app.screen.query_one("#filter-target", Select).value = "community-approach"
        await settle(pilot)
        assert len(table_rows(app)) == 2
        app.screen.query_one("#filter-target", Select).clear()
        app.screen.query_one("#filter-area", Select).value = 1
        await settle(pilot)
        assert [r[0] for r in table_rows(app)] == ["2024-09-09"]
        app.screen.query_one("#filter-area", Select).clear()
        await pilot.press("slash", *"啓発")
        await settle(pilot)
        assert [r[6] for r in table_rows(app)] == ["サロンで啓発"]
        app.screen.query_one("#filter-text", Input).value = ""
        app.screen.query_one("#filter-org", Input).value = "サロン若葉"
        await settle(pilot)
        assert len(table_rows(app)) == 2


async def test_delete_then_undo(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("down", "down")  # the 2024-06-03 community approach... then awareness
        target = app.screen.selected()
        assert target is not None
        await pilot.press("x")
        await settle(pilot)
        assert len(table_rows(app)) == 3
        stored = entries.get_entry(target.uuid)
        assert stored.deleted  # a tombstone, not a hole
        await pilot.press("d")
        await settle(pilot)
        figure = row(app, target.targets[0])
        await pilot.press("l", "u")
        await settle(pilot)
        assert not entries.get_entry(target.uuid).deleted
        assert len(table_rows(app)) == 4
        await pilot.press("d")
        await settle(pilot)
        assert row(app, target.targets[0]) != figure  # the counter came back


async def test_edit_then_undo(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        first = app.screen.selected()
        assert first is not None and first.targets == ("network-meeting",)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert app.screen.query_one("#date", Input).value == "2024-09-09"
        app.screen.query_one("#area", Input).value = "北ノ台"
        app.screen.query_one("#note", TextArea).load_text("第2回")  # the memo is multi-line
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        edited = entries.get_entry(first.uuid)
        assert (edited.area, edited.note) == (4, "第2回")
        assert table_rows(app)[0][2] == "4"
        await pilot.press("u")
        await settle(pilot)
        restored = entries.get_entry(first.uuid)
        assert (restored.area, restored.note) == (1, first.note)
        await pilot.press("u")
        await settle(pilot)
        assert "元に戻す操作がありません" in [n.message for n in app._notifications]
