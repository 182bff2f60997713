"""The app on the office database: the five keys save an entry there, the counters show it,
and a write by another program (a colleague's save) is noticed without a key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cluster_writer import add_elsewhere

from chofu_tui.app import ChofuApp, make_app
from chofu_tui.context import Context
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries
from chofu_tui.services import settings as settings_service
from chofu_tui.services.year_view import data_version
from chofu_tui.store import open_store
from tests.tui.conftest import row, settle

TODAY = dt.date(2024, 12, 13)


async def test_five_keys_save_to_postgresql(pg_url: str, plan_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    db = open_store(pg_url)
    settings_service.save(settings_service.UserSettings("石井", 2))
    db.close()
    app = make_app(db_path=pg_url)  # as `chofu-tui --db postgresql://…` starts it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "0 / 800 回" in row(app, "awareness")
        await pilot.press("n", "a", "w", "enter", "ctrl+s")
        await settle(pilot)
        assert "1 / 800 回" in row(app, "awareness")
    db = open_store(pg_url)
    try:
        [saved] = entries.list_entries(2024)
        assert (saved.targets, saved.area, saved.coordinator) == (("awareness",), 2, "石井")
    finally:
        db.close()


async def test_another_writer_is_noticed(pg_url: str, plan_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    catalog = PlanCatalog(user_dir=plan_dir)
    ctx = Context(catalog, None, today=lambda: TODAY)
    ctx._db = open_store(pg_url)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "0 / 800 回" in row(app, "awareness")
        before = data_version()
        # a colleague's save, on their own connection to the same database
        add_elsewhere(pg_url)
        assert data_version() != before  # what the app polls
        app._poll_store()
        await settle(pilot)
        assert "3 / 800 回" in row(app, "awareness")
