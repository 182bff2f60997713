"""Issue 12: the quick-entry picker finds targets by short label and alias (「世帯」「個別」)."""

from __future__ import annotations

from chofu_tui.app import ChofuApp
from chofu_tui.services import entries
from tests.tui.conftest import settle, text_of


async def test_picker_finds_case_support_by_its_aliases(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"世帯")
        shown = text_of(app, "#target-list")
        assert shown.count("[ ]") == 1 and " 6 " in shown  # case-support-family, by 世帯
        await pilot.press("enter", *"個別")
        shown = text_of(app, "#target-list")
        assert shown.count("[") == 2 and " 6 " in shown and " 7 " in shown  # both of them
        await pilot.press("down", "enter")  # the second: case-support-community
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert entries.list_entries(2024, limit=1)[0].targets == (
            "case-support-community",
            "case-support-family",
        )


async def test_picker_finds_a_target_by_its_short_label(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"連携会議", "enter", "ctrl+s")
        await settle(pilot)
        assert entries.list_entries(2024, limit=1)[0].targets == ("liaison-meeting",)
