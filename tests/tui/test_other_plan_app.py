"""Another council's plan in the app: the dashboard, program keys 1..N named from the plan,
the help, the quick entry, and a year whose plan has another shape than the year before."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.help import HelpScreen
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.services import entries
from chofu_tui.services import settings as settings_service
from chofu_tui.widgets.keybar import KeyBar
from tests.tui.conftest import TODAY, make_ctx, notifications, row, settle, text_of

OTHER = Path(__file__).resolve().parents[1] / "plans" / "plan-2024-other.toml"
NAMES = ["総合相談", "つながりづくり", "担い手の育成", "見守り"]


@pytest.fixture
def other_ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    (tmp_path / "plans").mkdir()
    shutil.copyfile(OTHER, tmp_path / "plans" / "plan-2024.toml")
    ctx = make_ctx(tmp_path)
    log = entries.log_entry
    log(
        ctx.catalog,
        entries.EntryDraft(("visit",), dt.date(2024, 6, 3), 12, count=3, organisation="旭町会"),
    )
    log(ctx.catalog, entries.EntryDraft(("watch-meeting",), dt.date(2024, 7, 1), 10))
    settings_service.save(settings_service.UserSettings("浜田", 12))
    return ctx


def keys(app: ChofuApp) -> dict[str, str]:
    return {k: d for k, d, _enabled in app.screen.query_one(KeyBar).keys}


async def test_dashboard_and_program_keys_follow_the_plan(other_ctx: Context) -> None:
    app = ChofuApp(other_ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "3 / 1200 件" in row(app, "visit")
        assert "1 / 12" in row(app, "watch-meeting")
        shown = keys(app)
        assert [shown.get(str(n)) for n in range(1, 6)] == [*NAMES, None]
        for n, (pa_id, title) in enumerate(
            [
                ("soudan", "第1 総合相談"),
                ("tsunagu", "第2 つながりづくり"),
                ("ninaite", "第3 担い手の育成"),
                ("mimamori", "第4 見守り"),
            ],
            start=1,
        ):
            await pilot.press(str(n))
            await settle(pilot)
            assert isinstance(app.screen, ProgramAreaScreen)
            assert app.screen.pa_id == pa_id
            assert title in text_of(app, "AppHeader")
        await pilot.press("5")  # no fifth program area: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen) and app.screen.pa_id == "mimamori"
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app, "#help-global") + text_of(app, "#help-screens")
        assert all(name in help_text for name in NAMES)
        assert "1 2 3 4" in help_text and "相談支援" not in help_text


async def test_quick_entry_logs_to_the_other_plan(other_ctx: Context) -> None:
    app = ChofuApp(other_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "s", "a", "l", "enter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen), notifications(app)
        saved = entries.list_entries(2024, target="salon-support")
        assert len(saved) == 1 and saved[0].area == 12 and saved[0].coordinator == "浜田"
        assert "1 / 240 回" in row(app, "salon-support")


async def test_a_year_with_a_differently_shaped_plan_renames_the_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    (tmp_path / "plans").mkdir()
    text = OTHER.read_text(encoding="utf-8").replace("fiscal_year = 2024", "fiscal_year = 2025")
    (tmp_path / "plans" / "plan-2025.toml").write_text(text, encoding="utf-8")
    app = ChofuApp(make_ctx(tmp_path))  # 2024: Chofu's bundled plan, three program areas
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [keys(app).get(str(n)) for n in range(1, 5)] == [
            "相談支援",
            "参加支援",
            "地域づくり",
            None,
        ]
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen) and app.screen.pa_id == "I"
        await pilot.press("right_square_bracket")  # 令和7年度: the other council's plan
        await settle(pilot)
        assert app.view is not None and app.view.fy.year == 2025
        assert [keys(app).get(str(n)) for n in range(1, 6)] == [*NAMES, None]
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen) and app.screen.pa_id == "mimamori"
        await pilot.press("left_square_bracket")  # back to Chofu's: three keys again
        await settle(pilot)
        assert [keys(app).get(str(n)) for n in range(1, 5)] == [
            "相談支援",
            "参加支援",
            "地域づくり",
            None,
        ]
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen) and app.screen.pa_id == "III"
