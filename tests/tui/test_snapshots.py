"""Layout only: the dashboard and a program-area screen at 80x24 and 120x40 (demo data, seeded)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from chofu_tui.app import make_app
from tests.tui.conftest import settle


@pytest.fixture
def demo_app(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-12-13")
    return make_app(demo=True)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_dashboard_layout(snap_compare, demo_app, size) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_program_area_layout(snap_compare, demo_app, size) -> None:
    async def open_area(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=size, run_before=open_area)
