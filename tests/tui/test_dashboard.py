"""The dashboard: what a coordinator sees on start, and the year switch."""

from __future__ import annotations

from chofu_tui.app import ChofuApp
from chofu_tui.screens.dashboard import DashboardScreen
from tests.tui.conftest import row, settle, text_of


async def test_opens_on_the_dashboard_with_every_target(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)  # no dialog in the way
        header = text_of(app, "AppHeader")
        assert "令和6年度" in header
        assert "基準日 令和6年12月13日(金)" in header
        assert "plan-2024.toml" in header
        assert "3 / 800 回" in row(app, "awareness")
        assert "目安 563" in row(app, "awareness")
        assert "遅れ" in row(app, "awareness")
        # distinct: the two spellings of one salon are one group, behind two approaches
        assert "1団体 / 160団体 (2回)" in row(app, "community-groups")
        # per_area: area 1 has met it, the others not
        meeting = row(app, "network-meeting")
        assert "1 / 8 圏域" in meeting
        assert "1済" in meeting and "2未" in meeting and "8未" in meeting
        assert len(app.screen.query(".target-row")) == 18
        assert not app.screen.query_one("#banner").display
        assert text_of(app, "#summary").split() == [
            "範囲:",
            "全体",
            "先行",
            "0",
            "順調",
            "0",
            "遅れ",
            "18",
        ]


async def test_year_switch_with_brackets(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "令和5年度" in text_of(app, "AppHeader")
        assert app.screen.query_one("#banner").display
        assert "令和5年度の計画がまだありません" in text_of(app, "#banner")
        assert len(app.screen.query(".target-row")) == 0  # never count into a year silently
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "令和6年度" in text_of(app, "AppHeader")
        assert "3 / 800 回" in row(app, "awareness")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "令和7年度" in text_of(app, "AppHeader")
        # a past year is viewed as of its last day
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert "令和6年3月31日" in text_of(app, "AppHeader")
