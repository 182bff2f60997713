"""The program-area screen's monthly line is the report's monthly figure (issue 10)."""

from __future__ import annotations

from chofu_tui.app import ChofuApp
from tests.tui.conftest import settle, text_of


async def test_monthly_groups_are_first_reached_and_approaches_have_their_own_line(ctx) -> None:
    # the seed approaches ひだまりサロン若葉 in June and again in July
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        # counted once, in the month it was first reached: the months add up to the year's 1
        assert text_of(app, "#months-community-groups") == "6:1"
        labels = [str(w.render()) for w in app.screen.query(".monthly Label")]
        assert "新規団体 月別" in labels and "働きかけ 月別" in labels
        # approached each month, under another name (these need not add up)
        assert text_of(app, "#approached-community-groups") == "6:1 7:1"
