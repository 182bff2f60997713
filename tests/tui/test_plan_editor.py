"""The plan editor: `c` creates a new year's plan and opens it; a change is saved with the
file's comments and the dashboard counts against the new target at once."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from chofu_tui.app import ChofuApp, make_app
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.plan_editor import PlanEditorScreen
from tests.tui.conftest import make_ctx, notifications, row, settle, text_of


def _index(app: ChofuApp, target_id: str) -> int:
    plan = app.ctx.catalog.get(app.fy).plan
    return next(n for n, t in enumerate(plan.targets(), start=1) if t.id == target_id)


async def test_c_creates_the_plan_and_the_editor_saves_a_new_target(tmp_path) -> None:
    ctx = make_ctx(tmp_path, today=dt.date(2025, 4, 1))  # no 令和7年度 plan yet
    app = ChofuApp(ctx)
    path = tmp_path / "plans" / "plan-2025.toml"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert path.exists()
        assert isinstance(app.screen, PlanEditorScreen)
        assert "令和7年度の計画の編集" in text_of(app, "#plan-editor-title")
        n = _index(app, "awareness")
        field = app.screen.query_one(f"#target-{n}", Input)
        assert field.value == "800"
        field.focus()
        field.value = ""
        await pilot.press("9", "0", "0")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "0 / 900 回" in row(app, "awareness")
        assert "令和7年度の計画を保存しました" in "\n".join(notifications(app))
    text = path.read_text(encoding="utf-8")
    assert "target = 900" in text
    assert "# 8 福祉圏域 (第6次地域福祉活動計画)" in text  # comments kept
    assert "plan new で作成" in text  # the header `c` wrote


async def test_a_bad_value_is_refused_on_screen_and_nothing_is_written(tmp_path) -> None:
    ctx = make_ctx(tmp_path, today=dt.date(2025, 4, 1))
    app = ChofuApp(ctx)
    path = tmp_path / "plans" / "plan-2025.toml"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        before = path.read_bytes()
        n = _index(app, "awareness")
        app.screen.query_one(f"#target-{n}", Input).value = "-5"
        app.screen.query_one(f"#short-{n}", Input).value = "あ" * 21
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PlanEditorScreen)
        assert f"{n} 番の目標値" in text_of(app, "#plan-editor-error")
        assert "0 以上の整数" in text_of(app, "#plan-editor-error")
        app.screen.query_one(f"#target-{n}", Input).value = "800"
        await pilot.press("ctrl+s")  # now the short label: too long for a plan file
        await settle(pilot)
        assert isinstance(app.screen, PlanEditorScreen)
        assert "20 文字以内" in text_of(app, "#plan-editor-error")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "0 / 800 回" in row(app, "awareness")
    assert path.read_bytes() == before


async def test_p_edits_the_users_own_plan_only(tmp_path) -> None:
    ctx = make_ctx(tmp_path, today=dt.date(2024, 12, 13))  # 令和6年度: the bundled plan
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)  # the city's document: not here
        await pilot.press("right_square_bracket", "c")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("p")  # 令和7年度 is now the user's own plan
        await settle(pilot)
        assert isinstance(app.screen, PlanEditorScreen)
        n = _index(app, "awareness")
        app.screen.query_one(f"#label-{n}", Input).value = "啓発の回数"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.view is not None and app.view.plan is not None
        assert app.view.plan.target("awareness").label == "啓発の回数"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_plan_editor_layout(snap_compare, monkeypatch, size) -> None:
    """The editor `c` opens on a year without a plan (demo data; the toast, which names a
    temporary folder, cleared)."""
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-12-13")

    async def open_editor(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(make_app(demo=True), terminal_size=size, run_before=open_editor)
