"""Screens and global keys, the no-plan banner, the palette, the report key."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import types

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Input

from chofu_tui.app import ChofuApp, make_app
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.entry_log import EntryLogScreen
from chofu_tui.screens.help import HelpScreen
from chofu_tui.screens.organisations import OrganisationsScreen
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.screens.prompt import PromptDialog
from chofu_tui.screens.quick_entry import QuickEntryDialog
from chofu_tui.screens.settings import SettingsScreen
from chofu_tui.services import entries, organisations
from chofu_tui.services import settings as settings_service
from tests.tui.conftest import make_ctx, notifications, row, settle, text_of


async def test_every_screen_key(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, screen, title in [
            ("1", ProgramAreaScreen, "Ⅰ 相談支援"),
            ("2", ProgramAreaScreen, "Ⅱ 参加支援"),
            ("3", ProgramAreaScreen, "Ⅲ 地域づくり"),
            ("l", EntryLogScreen, "記録一覧"),
            ("o", OrganisationsScreen, "団体"),
            ("s", SettingsScreen, "設定"),
            ("d", DashboardScreen, "ダッシュボード"),
        ]:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen), key
            assert text_of(app, "AppHeader").startswith(f"{title} | 令和6年度"), key
            await pilot.press("n")  # quick entry from any screen
            assert isinstance(app.screen, QuickEntryDialog), key
            await pilot.press("escape")
            assert isinstance(app.screen, screen), key
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_program_area_screen_shows_texts_months_and_recent(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        body = " ".join(str(s.render()) for s in app.screen.query(".ini-text"))
        assert "【事業内容】" in body and "【期待される効果】" in body and "【質的目標】" in body
        assert "2 / 480 回" in row(app, "community-approach")
        assert text_of(app, "#months-community-approach") == "6:1 7:1"
        assert "ひだまりサロン若葉" in text_of(app, "#recent-community-building")
        assert "[困窮者支援事業]" in " ".join(
            str(s.render()) for s in app.screen.query(".ini-title")
        )


async def test_help_lists_every_key(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = text_of(app, "#help-global")
        for label in ["ダッシュボード", "記録一覧", "団体", "設定", "レポート", "前年度", "翌年度"]:
            assert label in shown
        for key in ["d ", "1 ", "[ ", "] ", "? ", "q ", "n "]:
            assert any(line.startswith(key) for line in shown.splitlines()), key
        assert "元に戻す" in text_of(app, "#help-screens")
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark", "d")  # a screen key leaves help too
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark", "l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_command_palette_lists_the_keys(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for label in [
            "記録する",
            "ダッシュボード",
            "相談支援",
            "記録一覧",
            "団体",
            "ヘルプ",
            "前年度",
        ]:
            assert label in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"記録一覧", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)


async def test_no_plan_banner_offers_to_create_the_plan(tmp_path, monkeypatch) -> None:
    ctx = make_ctx(tmp_path, today=dt.date(2025, 4, 1))  # 1 April: no 令和7年度 plan yet
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.query_one("#banner").display
        banner = text_of(app, "#banner")
        assert "令和7年度の計画がまだありません" in banner
        assert "[c]" in banner and "[v]" in banner
        assert "令和7年度" in text_of(app, "AppHeader")
        await pilot.press("n")  # no entry goes into a year without a plan
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "令和7年度の計画がありません" in notifications(app)[-1]
        await pilot.press("c")
        await settle(pilot)
        assert (tmp_path / "plans" / "plan-2025.toml").exists()
        await pilot.press("escape")  # the plan editor opened over it: closed unchanged
        await settle(pilot)
        assert not app.screen.query_one("#banner").display
        assert "plan-2025.toml" in text_of(app, "AppHeader")
        assert "0 / 800 回" in row(app, "awareness")
        await pilot.press("n", "a", "w", "enter", "ctrl+s")
        await settle(pilot)
        assert "圏域を指定してください" in text_of(app, "#error")  # a fresh store: no area yet
        app.screen.query_one("#area", Input).value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "記録者を入力してください" in text_of(app, "#error")  # no name anywhere yet
        app.screen.query_one("#coord", Input).value = "石井"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 / 800 回" in row(app, "awareness")
    assert entries.list_entries(2025)[0].date == dt.date(2025, 4, 1)


async def test_no_plan_banner_offers_the_latest_year(tmp_path, monkeypatch) -> None:
    ctx = make_ctx(tmp_path, today=dt.date(2025, 4, 1))
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert "令和6年度" in text_of(app, "AppHeader")
        assert "基準日 令和7年3月31日" in text_of(app, "AppHeader")
        assert not app.screen.query_one("#banner").display
        assert "0 / 800 回" in row(app, "awareness")
        await pilot.press("c")  # the offer is gone once the year has a plan
        await pilot.pause()
    assert not (tmp_path / "plans" / "plan-2025.toml").exists()


async def test_report_key_pushes_the_report_screen(ctx, monkeypatch) -> None:
    from textual.screen import Screen

    seen: dict[str, object] = {}

    class ReportScreen(Screen):
        def __init__(self, ctx, plan, as_of) -> None:
            super().__init__()
            seen.update(ctx=ctx, plan=plan, as_of=as_of)

    module = types.ModuleType("chofu_tui.screens.report")
    module.ReportScreen = ReportScreen  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "chofu_tui.screens.report", module)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
    assert seen["ctx"] is ctx
    assert seen["plan"].fiscal_year == 2024  # type: ignore[attr-defined]
    assert seen["as_of"] == dt.date(2024, 12, 13)


async def test_organisations_rename_and_merge(ctx) -> None:
    entries.log_entry(
        ctx.catalog,
        entries.EntryDraft(
            ("community-approach",), dt.date(2024, 8, 1), 2, organisation="若葉サロン"
        ),
    )
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names == ["ひだまりサロン若葉", "若葉サロン"]
        assert str(table.get_row_at(0)[1]) == "2"
        await pilot.press("down", "m")
        assert isinstance(app.screen, PromptDialog)
        await pilot.press(*"ひだまりサロン若葉", "enter")
        await settle(pilot)
        assert organisations.search("") == ["ひだまりサロン若葉"]
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("e")
        app.screen.query_one(Input).value = "ひだまりサロンわかば"
        await pilot.press("enter")
        await settle(pilot)
        assert organisations.search("") == ["ひだまりサロンわかば"]
        await pilot.press("d")
        await settle(pilot)
        assert "1団体 / 160団体 (3回)" in row(app, "community-groups")


async def test_settings_are_kept_in_the_store(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.query_one("#coordinator", Input).value == "石井"
        app.screen.query_one("#coordinator", Input).value = "上田"
        app.screen.query_one("#area", Input).value = "99"
        await pilot.press("ctrl+s")
        assert "圏域" in text_of(app, "#settings-error")
        assert settings_service.load().area == 2
        app.screen.query_one("#area", Input).value = "上ノ原"
        await pilot.press("ctrl+s")
        assert settings_service.load() == settings_service.UserSettings("上田", 3)
        app.screen.query_one("#area", Input).focus()
        await pilot.press("escape", "n")
        await pilot.pause()
        assert app.screen.query_one("#coord", Input).value == "上田"
        assert app.screen.query_one("#area", Input).value == "3"


async def test_demo_uses_a_throwaway_store(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_DB", str(tmp_path / "mine.db"))
    monkeypatch.delenv("CHOFU_TUI_TODAY", raising=False)
    app = make_app(demo=True)
    assert app.ctx.db_path != tmp_path / "mine.db"
    assert app.ctx.catalog.user_dir.parent == app.ctx.db_path.parent
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "デモ" in text_of(app, "AppHeader")
        assert "基準日 令和6年12月13日" in text_of(app, "AppHeader")
        progress = app.view.progress
        assert progress is not None
        statuses = {p.status.value for p in progress.targets}
        assert statuses == {"ahead", "on_pace", "behind"}
        assert all(p.actual > 0 for p in progress.targets)
        assert 200 <= len(entries.list_entries(2024)) <= 1000
        assert {e.area for e in entries.list_entries(2024)} == set(range(1, 9))
    assert not (tmp_path / "mine.db").exists()


@pytest.mark.parametrize(
    "module", ["chofu_tui.cli", "chofu_tui.services.year_view", "chofu_tui.services.demo"]
)
def test_headless_modules_do_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_settings_save_hands_the_keys_back(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("tab")
        app.screen.query_one("#coordinator", Input).value = "上田"
        await pilot.press("ctrl+s", "d")  # saved, then d goes to the dashboard, not the field
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert settings_service.load().coordinator == "上田"
        await pilot.press("s")
        await settle(pilot)
        app.screen.query_one("#coordinator", Input).value = "書きかけ"  # not saved
        await pilot.press("escape", "d", "s")
        await settle(pilot)
        assert app.screen.query_one("#coordinator", Input).value == "上田"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_key_bar_shows_every_key(ctx, size: tuple[int, int]) -> None:
    from chofu_tui.widgets.keybar import KeyBar

    app = ChofuApp(ctx)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        shown = {key for key, _desc, _on in bar.keys}
        assert {"n", "d", "1", "2", "3", "l", "o", "s", "r", "[", "]", "q", "?", "^p"} <= shown
        text = bar.render().plain
        assert "q 終了" in text and "r レポート" in text  # drawn, not cut off
        assert bar.size.height == len(text.splitlines())
