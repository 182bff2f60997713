"""Issue 13 in the app: 「競合 N」 in the key bar while there are conflicts; `!` opens the
conflicts screen: the list, Enter shows both sides, m / t keep mine / theirs after a question."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from chofu_tui.app import ChofuApp
from chofu_tui.screens.conflicts import ConflictDetail, ConflictsScreen
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.services import changes, entries
from chofu_tui.services.backups import backup_store
from chofu_tui.services.sync import bound_to, sync
from chofu_tui.store.location import StoreLocation
from chofu_tui.widgets.keybar import KeyBar
from tests.tui.conftest import settle, started, text_of


def make_conflict(tmp_path: Path) -> str:
    """The same entry deleted here and, on a copy, deleted and restored: a conflict."""
    uuid = entries.list_entries(include_deleted=True)[0].uuid
    other = backup_store(tmp_path / "other.db")
    entries.set_deleted(uuid, True)
    with bound_to(StoreLocation.sqlite(other)):
        entries.set_deleted(uuid, True)
        entries.set_deleted(uuid, False)
    sync(StoreLocation.sqlite(other))
    assert [c.record for c in changes.conflicts()] == [uuid]
    return uuid


def keys(app: ChofuApp) -> list[str]:
    return [desc for _key, desc, enabled in app.screen.query_one(KeyBar).keys if enabled]


async def test_no_badge_without_conflicts(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert not any(k.startswith("競合") for k in keys(app))
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictsScreen)


async def test_badge_list_both_sides_and_keep_theirs(ctx, tmp_path: Path) -> None:
    uuid = make_conflict(tmp_path)
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        assert "競合 1" in keys(app)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[1]) == uuid[:8]
        assert str(table.get_row_at(0)[4]) == "こちら"  # the deletion stands until resolved
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDetail)
        shown = text_of(app, "#conflict-text")
        assert "こちら (mine)" in shown and "取り込んだ側 (theirs)" in shown
        assert "削除" in shown and "はい" in shown and "いいえ" in shown
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # not now: nothing changes
        await settle(pilot)
        assert len(changes.conflicts()) == 1
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert changes.conflicts() == []
        assert entries.get_entry(uuid).deleted is False  # theirs: restored
        assert app.screen.query_one(DataTable).row_count == 0
        assert "競合はありません" in text_of(app, "#conflicts-count")
        await pilot.press("escape")
        await settle(pilot)
        assert not any(k.startswith("競合") for k in keys(app))


async def test_readable_at_80x24(ctx, tmp_path: Path) -> None:
    make_conflict(tmp_path)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert "競合 1" in keys(app)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 80
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen.query_one("#conflict-detail")
        assert detail.region.right <= 80 and detail.region.bottom <= 24
