"""Quick entry (n): the common entry in a few keys, two targets at once, errors keep the form."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, TextArea

from chofu_tui.app import ChofuApp
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.screens.quick_entry import QuickEntryDialog
from chofu_tui.services import entries, organisations
from chofu_tui.services.progress import progress_for
from tests.tui.conftest import TODAY, notifications, row, settle, text_of


def awareness_figure(ctx) -> int:
    return progress_for(ctx.catalog.get(ctx.catalog.latest()).plan, TODAY).get("awareness").actual


async def test_common_entry_in_at_most_six_keys(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = ["n", "a", "w", "enter", "ctrl+s"]  # every key a user presses, filter included
        assert len(keys) <= 6
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        newest = entries.list_entries(2024, limit=1)[0]
        assert newest.targets == ("awareness",)
        assert (newest.date, newest.area, newest.coordinator, newest.count) == (TODAY, 2, "石井", 1)
        assert awareness_figure(ctx) == 4
        assert "4 / 800 回" in row(app, "awareness")  # the counter shows it at once
        assert "啓発件数 +1 → 4 / 800 回" in notifications(app)


async def test_japanese_filter_and_number_pick(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"啓発")
        list_text = text_of(app, "#target-list")
        assert "啓発件数" in list_text and "団体等への働きかけ" not in list_text
        await pilot.press("enter", "1", "2", "enter")  # target no. 12: 講座・勉強会・視察等
        assert "啓発件数、講座・勉強会・視察等" in text_of(app, "#chosen")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert entries.list_entries(2024, limit=1)[0].targets == (
            "awareness",
            "resident-training",
        )


async def test_one_entry_credits_two_targets_and_adds_the_organisation(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter", *"community-a", "enter")
        await settle(pilot)
        app.screen.query_one("#org", Input).focus()
        await pilot.press(*"上ノ原自治会")
        assert "新しい団体として登録します" in text_of(app, "#org-hint")
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = entries.list_entries(2024, limit=1)[0]
        assert saved.targets == ("awareness", "community-approach")
        assert saved.organisation == "上ノ原自治会"
        assert "上ノ原自治会" in organisations.search("上ノ原")
        assert "4 / 800 回" in row(app, "awareness")
        assert "3 / 480 回" in row(app, "community-approach")
        assert "2団体 / 160団体 (3回)" in row(app, "community-groups")
        shown = notifications(app)[-1]
        assert "啓発件数 +1 → 4 / 800 回" in shown
        assert "話し合いの場づくりやイベント等の取組への働きかけ +1 → 3 / 480 回" in shown
        assert "働きかけを行った団体数 +1 → 2 / 160 団体" in shown  # a new group counts too


async def test_organisation_completes_from_the_registry(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)  # the registry loads in a worker
        app.screen.query_one("#org", Input).focus()
        await pilot.press(*"ひだまり")
        await pilot.pause(0.2)
        org = app.screen.query_one("#org", Input)
        assert org._suggestion == "ひだまりサロン若葉"
        await pilot.press("right")  # accept the suggestion
        assert org.value == "ひだまりサロン若葉"
        assert "登録済みの団体です" in text_of(app, "#org-hint")


async def test_failed_save_keeps_the_form_and_writes_nothing(ctx) -> None:
    app = ChofuApp(ctx)
    before = len(entries.list_entries(2024))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "目標を一つ以上選んでください" in text_of(app, "#error")
        # community-approach without an organisation: the service refuses, the form stays
        await pilot.press(*"community-a", "enter")
        app.screen.query_one("#note", TextArea).load_text("自治会の定例会で説明")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "団体名" in text_of(app, "#error")
        assert app.screen.query_one("#note", TextArea).text == "自治会の定例会で説明"
        app.screen.query_one("#date", Input).value = "2024-13-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "日付「2024-13-01」はありません" in text_of(app, "#error")
    assert len(entries.list_entries(2024)) == before


async def test_escape_leaves_without_writing(ctx) -> None:
    app = ChofuApp(ctx)
    before = len(entries.list_entries(2024))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # a ticked target: asked before it goes
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert len(entries.list_entries(2024)) == before


async def test_program_area_screen_lists_the_highlighted_target_first(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen)
        await pilot.press("down", "down")  # 団体等への働きかけ -> 場の構築の検討 -> 啓発件数
        await pilot.press("n")
        assert "選んだ目標: (まだありません)" in text_of(app, "#chosen")  # offered, not ticked
        assert text_of(app, "#target-list").splitlines()[0].startswith(">[ ]  3 啓発件数")
        await pilot.press("enter")  # Enter ticks the highlighted (first) target
        assert "選んだ目標: 啓発件数" in text_of(app, "#chosen")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "4 / 800 回" in row(app, "awareness")
        recent = text_of(app, "#recent-outreach-awareness")
        assert recent.splitlines()[0].startswith(f"{TODAY.isoformat()} 圏域2 1回 啓発件数")


async def test_date_outside_the_plans_years_warns(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#date", Input).value = "2024-03-31"
        await pilot.press("ctrl+s")  # first the form says which year it goes to
        await settle(pilot)
        assert "令和5年度に記録します" in text_of(app, "#error")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("令和5年度の計画がまだありません" in n for n in notifications(app))
        assert "3 / 800 回" in row(app, "awareness")
    assert entries.list_entries(2023)[0].date == dt.date(2024, 3, 31)


async def test_new_organisation_hint_names_similar_registered_ones(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)  # the registry loads in a worker
        app.screen.query_one("#org", Input).focus()
        await pilot.press(*"サロン若葉")
        hint = text_of(app, "#org-hint")
        assert "新しい団体として登録します: サロン若葉" in hint
        assert "登録済み: ひだまりサロン若葉" in hint


async def test_locked_store_keeps_the_form(ctx, monkeypatch) -> None:
    from peewee import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(entries, "log_entry", locked)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#note", TextArea).load_text("サロンで説明")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "保存できませんでした (データベースを他のプログラムが使用中です" in text_of(
            app, "#error"
        )
        assert app.screen.query_one("#note", TextArea).text == "サロンで説明"
        assert "啓発件数" in text_of(app, "#chosen")


async def test_ticked_targets_are_listed_first(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"graduate-s", "enter")
        await settle(pilot)
        first = text_of(app, "#target-list").splitlines()[0]
        assert first.startswith(">[x] 15 講座修了生企画立案による啓発講座開催")  # > the cursor
        await pilot.press("down", "enter")  # arrow to no. 1 and tick it too
        assert "講座修了生企画立案による啓発講座開催、団体等への働きかけ" in text_of(app, "#chosen")


async def test_ctrl_s_saves_from_a_later_field(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter", "enter")  # Enter on the empty picker: next field
        assert app.focused is app.screen.query_one("#date", Input)
        for _ in range(6):
            await pilot.press("tab")
        assert app.focused is app.screen.query_one("#note", TextArea)
        await pilot.press(*"チラシ配布", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    saved = entries.list_entries(2024, limit=1)[0]
    assert (saved.targets, saved.note) == (("awareness",), "チラシ配布")
