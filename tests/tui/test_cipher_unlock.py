"""The app on an encrypted store (issue 14): the passphrase is asked at start, masked, before
the store is opened; a wrong one says so; three wrong ones or Esc end the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from chofu_tui.app import make_app
from chofu_tui.context import Context
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.unlock import UnlockScreen
from chofu_tui.store import cipher
from chofu_tui.store.models import database
from tests.tui.conftest import TODAY, row, settle, text_of

PASSPHRASE = "とても長い合言葉 2024"


@pytest.fixture
def encrypted(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seeded store of tests/tui/conftest.py, encrypted, with no passphrase in the env."""
    path = ctx.db_path
    assert path is not None
    ctx.close()
    cipher.encrypt_file(path, PASSPHRASE)
    monkeypatch.delenv(cipher.PASSPHRASE_ENV, raising=False)
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(path.parent / "plans"))
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    return path


async def test_the_passphrase_is_asked_masked_and_opens_the_dashboard(encrypted: Path) -> None:
    app = make_app(db_path=encrypted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert database.obj is None or database.obj.is_closed()  # not opened yet
        field = app.screen.query_one("#passphrase", Input)
        assert field.password  # masked
        await pilot.press("n")  # a key of the app types into the field, opens no form
        assert isinstance(app.screen, UnlockScreen)
        field.value = ""
        for ch in PASSPHRASE:
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert "3 /" in row(app, "awareness")  # the seeded entries, read from the file
        assert text_of(app, "AppHeader").startswith("ダッシュボード")
    app.ctx.close()


async def test_a_wrong_passphrase_says_so_and_the_third_ends_the_app(encrypted: Path) -> None:
    before = encrypted.read_bytes()
    app = make_app(db_path=encrypted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for attempt in (1, 2):
            app.screen.query_one("#passphrase", Input).value = f"違う合言葉{attempt}"
            await pilot.press("enter")
            await settle(pilot)
            shown = text_of(app, "#unlock-error")
            assert "パスフレーズが違います (またはファイルが壊れています)" in shown
            assert f"あと {3 - attempt} 回" in shown
        app.screen.query_one("#passphrase", Input).value = "三度目も違う"
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_code == 2
    assert encrypted.read_bytes() == before


async def test_escape_quits_without_opening(encrypted: Path) -> None:
    before = encrypted.read_bytes()
    app = make_app(db_path=encrypted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
    assert not app.is_running and app.return_code == 0
    assert encrypted.read_bytes() == before
    assert not Path(f"{encrypted}-wal").exists()
