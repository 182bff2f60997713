"""Issue 12, my share and my week, in the app: `t` toggles 全体 → 担当圏域 → 記録者, the rows
show the scope's share and status, the choice is remembered; `w` opens the week's summary."""

from __future__ import annotations

from pathlib import Path

from chofu_tui.app import ChofuApp
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.summary import SummaryScreen
from chofu_tui.services import settings as settings_service
from tests.tui.conftest import make_ctx, notifications, row, settle, text_of


def shown(app: ChofuApp, selector: str) -> str:
    """The lines a widget shows on screen (a Rich table renders only when drawn)."""
    widget = app.screen.query_one(selector)
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def test_scope_toggle_shows_the_areas_share_and_is_remembered(ctx, tmp_path: Path) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "範囲: 全体" in text_of(app, "#summary")
        assert "3 / 800 回" in row(app, "awareness")
        await pilot.press("t")
        await settle(pilot)
        assert "範囲: 担当圏域 2" in text_of(app, "#summary")
        # area 2's share: 800 / 8 areas; 3 done by December is behind 100's pace
        assert "3 / 100 回" in row(app, "awareness")
        assert "遅れ" in row(app, "awareness")
        # the per-area target: is my area covered? (area 1 held the meeting, not area 2)
        assert "0 / 1 圏域" in row(app, "network-meeting")
        await pilot.press("t")
        await settle(pilot)
        assert "範囲: 記録者 石井" in text_of(app, "#summary")
        assert "3 / 100 回" in row(app, "awareness")
        await pilot.press("t")
        await settle(pilot)
        assert "範囲: 全体" in text_of(app, "#summary")
        await pilot.press("t")
        await settle(pilot)
        assert "範囲: 担当圏域 2" in text_of(app, "#summary")
    ctx.close()
    # a restart shows the scope chosen last
    again = make_ctx(tmp_path)
    app = ChofuApp(again)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "範囲: 担当圏域 2" in text_of(app, "#summary")
        assert "3 / 100 回" in row(app, "awareness")


async def test_a_scope_without_settings_is_skipped_and_said_once(ctx) -> None:
    settings_service.save(settings_service.UserSettings("石井", None))  # no area set
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert "範囲: 記録者 石井" in text_of(app, "#summary")
        said = [n for n in notifications(app) if "圏域を選んで" in n]
        assert len(said) == 1
        await pilot.press("t", "t")
        await settle(pilot)
        assert len([n for n in notifications(app) if "圏域を選んで" in n]) == 1


async def test_program_screen_follows_the_scope(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert "3 / 100 回" in row(app, "awareness")


async def test_summary_screen_shows_the_week_and_the_month(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert "2024-12-09〜2024-12-15 の週" in text_of(app, "#summary-head")
        assert "この期間の記録はありません" in shown(app, "#summary-table")
        app.screen.day = app.screen.day.replace(month=6, day=5)  # the week of 3 June
        app.screen.show()
        await settle(pilot)
        assert "2024-06-03〜2024-06-09 の週" in text_of(app, "#summary-head")
        body = shown(app, "#summary-table")
        assert "啓発件数" in body and "3 回" in body
        assert "ひだまりサロン若葉" in body
        assert "awareness" not in body
        await pilot.press("w")  # the month
        await settle(pilot)
        assert "2024年6月" in text_of(app, "#summary-head")
        await pilot.press("right_square_bracket")  # July: the second approach
        await settle(pilot)
        assert "2024年7月" in text_of(app, "#summary-head")
        assert "啓発件数" not in shown(app, "#summary-table")
        await pilot.press("m")  # only my entries (the settings' name)
        await settle(pilot)
        assert "2024年7月 (石井)" in text_of(app, "#summary-head")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
