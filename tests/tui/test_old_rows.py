"""Entries stored before today's input rules: the app says once how many there are."""

from __future__ import annotations

import sqlite3

from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from tests.tui.conftest import notifications, settle


async def wait_for(pilot, ok, seconds: float = 10.0) -> bool:
    """Poll until `ok()` holds; generous, never a timing assertion."""
    for _ in range(int(seconds / 0.1)):
        if ok():
            return True
        await pilot.pause(0.1)
    return ok()


def said(app: ChofuApp) -> list[str]:
    return [n for n in notifications(app) if "入力の決まりに合わない記録" in n]


async def test_old_rows_are_counted_once_at_start(ctx: Context) -> None:
    con = sqlite3.connect(ctx.db_path)  # type: ignore[arg-type]
    # a count over 999 and a case code that is a birth date: two rows stored before the rules
    con.execute("UPDATE entry SET count = 5000 WHERE id = (SELECT min(id) FROM entry)")
    con.execute(
        "UPDATE entry SET case_code = 'TARO-19850412' WHERE id = (SELECT max(id) FROM entry)"
    )
    con.commit()
    con.close()
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert await wait_for(pilot, lambda: said(app))
        assert "2 件" in said(app)[0]
        await pilot.press("l")
        await settle(pilot)
        await pilot.pause(2.0)
        assert len(said(app)) == 1  # once, not on every screen or reload


async def test_a_clean_store_says_nothing(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(2.5)
        assert said(app) == []
