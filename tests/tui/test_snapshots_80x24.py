"""Layout only: every screen at 80x24 (demo data, pinned today), as a coordinator's laptop
shows it. Looked at with tmux-look before each snapshot was taken."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from chofu_tui.app import make_app
from tests.tui.conftest import settle


@pytest.fixture
def demo_app(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-12-13")
    return make_app(demo=True)


# The keys that open each screen from the dashboard ("" is the dashboard itself).
SCREENS = {
    "dashboard": (),
    "program_1": ("1",),
    "program_2": ("2",),
    "program_3": ("3",),
    "log": ("l",),
    "organisations": ("o",),
    "settings": ("s",),
    "report": ("r",),
    "help": ("question_mark",),
    "quick_entry": ("n", "a", "w"),
}


@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_at_80x24(snap_compare, demo_app, name: str) -> None:
    async def open_screen(pilot: Pilot) -> None:
        await settle(pilot)
        for key in SCREENS[name]:
            await pilot.press(key)
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=open_screen)
