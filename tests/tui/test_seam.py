"""The seam between the app and its screens: one typed way to the year's figures, workers that
post their results, and one error policy (every failure said in Japanese, the app stays up)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from peewee import OperationalError

import chofu_tui
from chofu_tui import app as app_module
from chofu_tui.app import ChofuApp
from chofu_tui.screens.base import YearApp, year_app
from chofu_tui.screens.entry_log import EntryLogScreen
from chofu_tui.services import entries, organisations
from chofu_tui.services.year_view import STORE_BUSY
from tests.perf.first_figures import FirstFigures
from tests.tui.conftest import notifications, row, settle

PACKAGE = Path(chofu_tui.__file__).parent


def test_screens_reach_the_app_typed_without_signal_or_ignores() -> None:
    for path in [*PACKAGE.glob("screens/*.py"), *PACKAGE.glob("widgets/*.py"), PACKAGE / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert "type: ignore[attr-defined]" not in text, path
        assert "textual.signal" not in text, path
        if path.name != "report.py":  # the report screen's own change (import contracts check it)
            assert not re.search(r"^\s*(from|import) chofu_tui\.store", text, re.M), path
    assert issubclass(ChofuApp, YearApp)


async def test_a_screen_gets_the_app_typed(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert year_app(app.screen) is app
        assert app.screen.chofu.view is app.view and app.view is not None  # type: ignore[attr-defined]


async def test_the_production_app_has_no_benchmark_exit(ctx, monkeypatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_BENCH_EXIT", "1")  # the old hook's switch: ignored now
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        assert app.is_running
        assert "3 / 800 回" in row(app, "awareness")
    assert "BENCH" not in Path(app_module.__file__).read_text(encoding="utf-8")


async def test_the_benchmark_driver_exits_once_the_figures_are_on_screen(ctx) -> None:
    app = FirstFigures(ctx)
    shown: list[str] = []
    exit_ = app.exit

    def spy(*args, **kwargs) -> None:
        shown.append(row(app, "awareness"))
        exit_(*args, **kwargs)

    app.exit = spy  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            if not app.is_running:
                break
            await pilot.pause(0.05)
        assert not app.is_running
    assert len(shown) == 1
    assert "3 / 800 回" in shown[0]  # real figures were on screen when it exited


async def test_an_unexpected_error_in_a_screen_worker_is_said_and_the_app_stays_up(
    ctx, monkeypatch
) -> None:
    def broken(year: int) -> list:
        raise RuntimeError("索引が壊れています")

    monkeypatch.setattr(organisations, "list_with_counts", broken)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        said = "\n".join(notifications(app))
        assert "予期しないエラーが起きました" in said and "索引が壊れています" in said
        assert app.is_running
        await pilot.press("d")  # still usable
        await settle(pilot)
        assert "3 / 800 回" in row(app, "awareness")


async def test_a_failed_load_of_the_year_is_said(ctx, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("読み込めません")

    monkeypatch.setattr(app_module, "load_year", broken)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("読み込めません" in n for n in notifications(app))
        assert app.is_running


@pytest.mark.parametrize("locked", [OperationalError("database is locked")])
async def test_a_locked_store_on_delete_is_a_store_error_in_japanese(
    ctx, monkeypatch, locked
) -> None:
    def busy(*args, **kwargs):
        raise locked

    monkeypatch.setattr(entries, "set_deleted", busy)
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        await pilot.press("x")
        await settle(pilot)
        assert STORE_BUSY in notifications(app)
        assert len(entries.list_entries(2024)) == 4  # nothing deleted
        assert app.is_running


async def test_a_failed_settings_save_is_said(ctx, monkeypatch) -> None:
    from chofu_tui.services import settings as settings_service

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(settings_service, "save", busy)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert STORE_BUSY in notifications(app)
        assert app.is_running


def test_the_benchmark_driver_runs_as_its_own_process(tmp_path, monkeypatch) -> None:
    """As the start-up benchmark starts it: a fresh process that exits by itself, cleanly."""
    import os
    import subprocess
    import sys

    from tests.tui.conftest import TODAY, make_ctx, seed

    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    ctx = make_ctx(tmp_path)
    seed(ctx)
    ctx.close()
    driver = Path(__file__).resolve().parents[1] / "perf" / "first_figures.py"
    env = {
        **os.environ,
        "CHOFU_TUI_TODAY": TODAY.isoformat(),
        "CHOFU_TUI_PLAN_DIR": str(tmp_path / "plans"),
        "CHOFU_TUI_CACHE_DIR": str(tmp_path / "cache"),
        "TERM": "xterm-256color",
    }
    env.pop("CHOFU_TUI_BENCH_EXIT", None)
    done = subprocess.run(
        [sys.executable, str(driver), str(tmp_path / "chofu.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
