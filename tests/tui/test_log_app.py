"""The entry log and the app around it: memos, any year, the cursor, undo, other writers,
stale keys, folded search, and user text shown literally on every screen."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from chofu_tui.screens.entry_log import EntryDetail, EntryLogScreen
from chofu_tui.screens.organisations import OrganisationsScreen
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.screens.quick_entry import QuickEntryDialog
from chofu_tui.services import entries
from chofu_tui.services.entry_log import local_time
from chofu_tui.widgets.keybar import KeyBar
from tests.tui.conftest import notifications, row, settle

MEMO = "サロンで啓発\n参加者12名、うち初参加3名\n次回は6月に開催"


def log(ctx: Context, *targets: str, **kw) -> entries.EntryRecord:
    base = {"date": dt.date(2024, 10, 1), "area": 2, "coordinator": "石井"}
    draft = entries.EntryDraft(targets=targets, **{**base, **kw})
    return entries.log_entry(ctx.catalog, draft).entry


def cells(app: ChofuApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def shown(app: ChofuApp) -> str:
    """Everything the screen draws, as text (what the user sees)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot, ok, seconds: float = 10.0) -> bool:
    """Poll (no key pressed) until `ok()` holds; generous, never a timing assertion."""
    for _ in range(int(seconds / 0.1)):
        if ok():
            return True
        await pilot.pause(0.1)
    return ok()


def other_process(db: Path, sql: str, *params: object) -> None:
    """A write by another connection, as another window or a merge would make it."""
    con = sqlite3.connect(db)
    con.execute(sql, params)
    con.commit()
    con.close()


async def test_memo_first_line_in_lists_and_whole_in_detail(ctx) -> None:
    rec = log(ctx, "awareness", note=MEMO, date=dt.date(2024, 11, 1))
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        recent = "\n".join(str(s.render()) for s in app.screen.query(".recent").results(Static))
        assert "サロンで啓発…" in recent and "参加者12名" not in recent
        await pilot.press("l")
        await settle(pilot)
        assert cells(app)[0][6] == "サロンで啓発…"
        assert app.screen.selected().uuid == rec.uuid
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryDetail)
        text = str(app.screen.query_one("#detail-text", Static).render())
        for part in [
            *MEMO.split("\n"),
            "2024-11-01",
            "啓発件数",
            "石井",
            local_time(rec.created_at),
        ]:
            assert part in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)


async def test_a_year_without_a_plan_lists_and_edits_its_entries(ctx) -> None:
    # A wrong year, typed on a later day (a date after today is refused when logged).
    draft = entries.EntryDraft(
        targets=("awareness",),
        date=dt.date(2025, 11, 18),
        area=2,
        coordinator="石井",
        note="年を誤記",
    )
    typo = entries.log_entry(ctx.catalog, draft, today=dt.date(2025, 11, 18)).entry
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l", "right_square_bracket")  # 令和7年度: no plan
        await settle(pilot)
        assert [r[0] for r in cells(app)] == ["2025-11-18"]
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, QuickEntryDialog) and dialog.record.uuid == typo.uuid
        assert "記録を選んでください" not in notifications(app)
        # The form (another slice) saves the corrected date: the entry moves to 令和6年度.
        fixed = entries.EntryDraft(
            targets=typo.targets, date=dt.date(2024, 11, 18), area=2, coordinator="石井"
        )
        dialog.dismiss(entries.update_entry(ctx.catalog, typo.uuid, fixed))
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        assert cells(app) == []  # gone from 令和7年度
        assert any("令和6年度の記録になりました" in m for m in notifications(app))
        await pilot.press("a")  # every year
        await settle(pilot)
        assert "2024-11-18" in [r[0] for r in cells(app)]
        assert "全年度" in str(app.screen.query_one("#log-count", Static).render())
        keys = [d for _k, d, _on in app.screen.query_one(KeyBar).keys]
        assert "この年度" in keys and "全年度" not in keys  # `a` says what it switches to
        await pilot.press("a")
        await settle(pilot)
        assert "令和7年度 0件" in str(app.screen.query_one("#log-count", Static).render())


async def test_cursor_follows_the_entry_and_keys_move_in_the_list(ctx) -> None:
    for day in range(1, 31):
        log(ctx, "awareness", date=dt.date(2024, 11, day), note=f"{day}日")
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("down", "down")
        chosen = app.screen.selected()
        assert chosen is not None and chosen.date == dt.date(2024, 11, 28)
        # a newer entry is saved elsewhere: it lands above the cursor
        other_process(
            ctx.db_path,  # type: ignore[arg-type]
            "UPDATE entry SET date = '2024-12-01', updated_at = '2099' WHERE note = '1日'",
        )
        assert await wait_for(pilot, lambda: cells(app) and cells(app)[0][0] == "2024-12-01")
        await settle(pilot)
        assert app.screen.selected().uuid == chosen.uuid  # the same entry, one row lower
        table = app.screen.query_one(DataTable)
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        assert table.cursor_row > 5
        await pilot.press("pageup")
        assert table.cursor_row == 0


async def test_undo_says_what_it_undid_and_refuses_a_changed_entry(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        first = app.screen.selected()
        assert first is not None and first.date == dt.date(2024, 9, 9)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        undone = [m for m in notifications(app) if m.startswith("元に戻しました")]
        assert undone and "2024-09-09" in undone[-1] and "ネットワーク会議" in undone[-1]
        assert not entries.get_entry(first.uuid).deleted
        # delete again; another window then edits the (deleted) entry: undo must not overwrite
        await pilot.press("x")
        await settle(pilot)
        other_process(
            ctx.db_path,  # type: ignore[arg-type]
            "UPDATE entry SET note = '別の画面で編集', updated_at = '2099-01-01T00:00:00Z' "
            "WHERE uuid = ?",
            first.uuid,
        )
        await pilot.press("u")
        await settle(pilot)
        assert any("元に戻しませんでした" in m for m in notifications(app))
        stored = entries.get_entry(first.uuid)
        assert stored.deleted and stored.note == "別の画面で編集"


async def test_another_process_shows_without_a_key(ctx, tmp_path: Path) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = row(app, "awareness")
        env = {**os.environ, "CHOFU_TUI_DB": str(ctx.db_path)}
        env["CHOFU_TUI_PLAN_DIR"] = str(tmp_path / "plans")
        argv = ["add", "awareness", "--date", "2024-12-01", "--area", "2", "--count", "5"]
        done = subprocess.run(
            [sys.executable, "-m", "chofu_tui", *argv, "--coordinator", "別の窓"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert await wait_for(pilot, lambda: row(app, "awareness") != before)
        assert " 8 / " in row(app, "awareness")  # 3 seeded + 5


async def test_create_plan_keys_leave_the_key_bar(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)

        def keys() -> list[str]:
            return [k for k, _d, on in app.screen.query_one(KeyBar).keys if on]

        assert "c" in keys() and "v" in keys()
        assert "計画を作成" in shown(app)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("escape")  # the plan editor opened over the dashboard
        await settle(pilot)
        assert app.view is not None and app.view.plan is not None
        assert "c" not in keys() and "v" not in keys()
        bar = shown(app).splitlines()[-3:]  # what the terminal shows, not just the bindings
        assert not any("計画を作成" in line or "最新年度" in line for line in bar)


async def test_search_folds_half_width_and_finds_case_codes(ctx) -> None:
    log(ctx, "case-support-family", case_code="C-0012", date=dt.date(2024, 10, 2))
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l", "slash")
        await settle(pilot)
        app.screen.query_one("#filter-text", Input).value = "ｻﾛﾝ"
        await settle(pilot)
        # the memo 「サロンで啓発」 and both entries for ひだまりサロン若葉
        assert len(cells(app)) == 3
        app.screen.query_one("#filter-text", Input).value = "ｃ－００１２"
        await settle(pilot)
        assert [r[4] for r in cells(app)] == ["C-0012"]
        app.screen.query_one("#filter-text", Input).value = "ネットワーク会議"  # a target's label
        await settle(pilot)
        assert [r[0] for r in cells(app)] == ["2024-09-09"]


MARKUP_NOTE = "[bold red]X[/] [/nope]"
MARKUP_ORG = "[/]サロン[b]"


async def test_markup_and_control_text_is_shown_literally_everywhere(ctx) -> None:
    rec = log(ctx, "community-approach", organisation=MARKUP_ORG, note=MARKUP_NOTE)
    # a row stored before control characters were refused
    other_process(
        ctx.db_path,  # type: ignore[arg-type]
        "UPDATE entry SET coordinator = ? WHERE uuid = ?",
        "石井\x1b[2J\x1b]0;title\x07",
        rec.uuid,
    )
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert "\x1b" not in shown(app)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        top = cells(app)[0]
        assert top[6] == MARKUP_NOTE and top[4] == MARKUP_ORG
        assert "\x1b" not in "".join(top) and "\x07" not in "".join(top)
        assert "[bold red]X[/]" in shown(app)  # literally (the column may be cut at the edge)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EntryDetail)
        assert MARKUP_NOTE in shown(app) and "\x1b" not in shown(app)
        await pilot.press("escape", "o")
        await settle(pilot)
        assert isinstance(app.screen, OrganisationsScreen)
        assert MARKUP_ORG in shown(app)
        # a notification carrying user text: the merge prompt names an unknown organisation
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"[/x]", "enter")
        await settle(pilot)
        assert "団体「[/x]」はありません" in notifications(app)
        # the toast is drawn (on main this raised MarkupError and closed the app)
        assert await wait_for(pilot, lambda: bool(app.screen.query("Toast")))
        await pilot.pause(0.2)
        assert any("[/x]" in str(toast.render()) for toast in app.screen.query("Toast"))
        for key in ("3", "2", "1", "d"):
            await pilot.press(key)
            await settle(pilot)
            assert "\x1b" not in shown(app)
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen)
        recent = "\n".join(str(s.render()) for s in app.screen.query(".recent").results(Static))
        assert MARKUP_ORG in recent and MARKUP_NOTE in recent
        assert app.is_running
