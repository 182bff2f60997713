"""The app and automatic backups (issue 14): the day's backup at start, the list on the settings
screen, and a start that cannot back up still works."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chofu_tui.app import ChofuApp, make_app
from chofu_tui.services import backups as backup_service
from chofu_tui.store.backups import folder_for, make
from chofu_tui.store.models import database
from tests.tui.conftest import TODAY, notifications, settle, started, text_of


async def test_the_app_makes_the_days_backup_at_start_once(ctx, tmp_path: Path) -> None:
    store = tmp_path / "chofu.db"
    assert not folder_for(store).exists()
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
    names = sorted(p.name for p in folder_for(store).glob("*.db"))
    assert names == [f"{TODAY.isoformat()}.db"]
    (made,) = backup_service.listing(store)
    assert made.why == "daily" and made.entries == 4 and made.integrity == "ok"


async def test_the_settings_screen_lists_the_backups(ctx, tmp_path: Path) -> None:
    store = tmp_path / "chofu.db"
    for day in (dt.date(2024, 12, 10), dt.date(2024, 12, 11)):
        make(store, database.connection(), "daily", today=day)
    make(store, database.connection(), "merge", today=dt.date(2024, 12, 11))
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("s")
        await settle(pilot)
        shown = text_of(app, "#backups-list")
        assert "自動バックアップ" in text_of(app, "#backups-title")
        lines = shown.splitlines()
        # newest first: today's daily (made at start), the merge, the two dailies before
        assert lines[0].startswith("2024-12-13") and "毎日" in lines[0]
        assert "取り込み前" in lines[1] and "記録       4 件" in lines[1]
        assert lines[-1].startswith("一覧と復元: chofu-tui backups")
        # at 80x24 not all fit: the rest is counted, and every line fits the width
        assert any(line.startswith("ほか ") for line in lines) or len(lines) == 5
        region = app.screen.query_one("#backups-list").region
        assert region.bottom <= 24 - 3  # above the key bar
        assert all(len(line) <= 76 for line in lines)


async def test_the_settings_screen_shows_all_when_there_is_room(ctx, tmp_path: Path) -> None:
    store = tmp_path / "chofu.db"
    for day in (dt.date(2024, 12, 10), dt.date(2024, 12, 11)):
        make(store, database.connection(), "daily", today=day)
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot)
        await pilot.press("s")
        await settle(pilot)
        lines = text_of(app, "#backups-list").splitlines()
        assert [line[:10] for line in lines[:3]] == ["2024-12-13", "2024-12-11", "2024-12-10"]
        assert not any(line.startswith("ほか") for line in lines)


async def test_a_start_that_cannot_back_up_says_so_and_works(ctx, tmp_path: Path) -> None:
    backups_dir = folder_for(tmp_path / "chofu.db").parent
    backups_dir.parent.mkdir(parents=True, exist_ok=True)
    backups_dir.write_text("not a folder")  # cannot be made, even by root
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert any("今日のバックアップを作れませんでした" in n for n in notifications(app))
        await pilot.press("s")
        await settle(pilot)
        assert "まだありません" in text_of(app, "#backups-list")


async def test_the_demo_makes_no_backup(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    app = make_app(demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        demo_store = app.ctx.db_path
        assert demo_store is not None
        assert not folder_for(demo_store).exists()
