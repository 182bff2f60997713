"""評価・課題 on the program-area screen (issue 11): e opens the editor for the focused
initiative, ctrl+s stores the text, the screen shows it literally; Esc asks before dropping."""

from __future__ import annotations

from textual import events

from chofu_tui.app import ChofuApp
from chofu_tui.screens.evaluation import EvaluationDialog
from chofu_tui.screens.help import HelpScreen
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.screens.quick_entry import MemoArea
from chofu_tui.services import evaluations
from chofu_tui.widgets.keybar import KeyBar
from tests.tui.conftest import notifications, settle, text_of


async def test_e_writes_the_focused_initiatives_evaluation_shown_literally(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert text_of(app, "#eval-outreach-place") == "【評価・課題】(未記入)"
        assert ("e", "評価・課題", True) in app.screen.query_one(KeyBar).keys
        app.screen.query_one("#row-awareness").focus()  # the second initiative
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, EvaluationDialog)
        assert dialog.initiative.id == "outreach-awareness"
        assert "(2) 地域住民の相談を包括的に受け止める場の周知" in text_of(app, "#title")
        await pilot.press(*"ok", "left_square_bracket", "slash", "right_square_bracket", "enter")
        app.post_message(
            events.Paste("[bold]太字[/bold]\x1b[2J\x1b]0;t\x07二行目")
        )  # as a terminal sends it
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, EvaluationDialog)
        stored = "ok[/]\n[bold]太字[/bold]二行目"
        assert evaluations.get(2024, "outreach-awareness") == stored
        assert text_of(app, "#eval-outreach-awareness") == f"【評価・課題】\n{stored}"
        assert text_of(app, "#eval-outreach-place") == "【評価・課題】(未記入)"
        assert "評価・課題を保存しました" in notifications(app)


async def test_stored_texts_are_shown_and_opened_for_editing(ctx) -> None:
    evaluations.save(2024, "outreach-place", "前に書いた評価")
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert text_of(app, "#eval-outreach-place") == "【評価・課題】前に書いた評価"
        await pilot.press("e")  # the first target row is focused: the first initiative
        await settle(pilot)
        assert app.screen.query_one(MemoArea).text == "前に書いた評価"
        # emptied and saved: cleared
        app.screen.query_one(MemoArea).clear()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert evaluations.get(2024, "outreach-place") == ""
        assert text_of(app, "#eval-outreach-place") == "【評価・課題】(未記入)"


async def test_escape_asks_before_dropping_typed_text(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert not isinstance(app.screen, EvaluationDialog | ConfirmDialog)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"abc", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # back to the text, as typed
        await settle(pilot)
        assert isinstance(app.screen, EvaluationDialog)
        assert app.screen.query_one(MemoArea).text == "abc"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert not isinstance(app.screen, EvaluationDialog | ConfirmDialog)
        assert evaluations.get(2024, "outreach-place") == ""


async def test_too_long_is_said_in_the_dialog_and_nothing_is_stored(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one(MemoArea).insert("あ" * 2001)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EvaluationDialog)
        assert "2,000文字まで" in text_of(app, "#message")
        assert evaluations.all_for(2024) == {}


async def test_help_lists_e_for_the_evaluation(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "評価・課題" in text_of(app, "#help-screens")


async def test_a_failed_save_is_said_in_the_dialog_which_keeps_the_text(ctx, monkeypatch) -> None:
    from chofu_tui.errors import StoreError

    def locked(*_args: object) -> str:
        raise StoreError("別のプログラムがデータベースに書き込み中です", "database is locked")

    monkeypatch.setattr(evaluations, "save", locked)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*"abc", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EvaluationDialog)
        assert "書き込み中" in text_of(app, "#message")
        assert app.screen.query_one(MemoArea).text == "abc"
        assert not app.screen.saving  # ctrl+s may be pressed again
