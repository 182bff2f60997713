"""The entry form keeps what a coordinator types and credits only what they chose (issues 8, 9)."""

from __future__ import annotations

import datetime as dt

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Input, Static, TextArea

from chofu_tui.app import ChofuApp
from chofu_tui.errors import UserError
from chofu_tui.screens import entry_errors, quick_entry
from chofu_tui.screens.dashboard import DashboardScreen
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.screens.prompt import ConfirmDialog, PromptDialog
from chofu_tui.screens.quick_entry import QuickEntryDialog
from chofu_tui.services import entries
from chofu_tui.services import settings as settings_service
from chofu_tui.store.models import Setting
from tests.tui.conftest import TODAY, make_ctx, notifications, row, settle, text_of

# A 414-character memo of six lines, as pasted from a meeting record.
LINES = [
    "ひだまりサロン若葉の定例会に参加し、地域福祉コーディネーターの役割と相談窓口を説明した。" * 2,
    "参加者12名。うち初参加3名。質問: 買い物支援の担い手が不足している、送迎の相談先はどこか。",
    "次回までに社協の移送サービスと民生委員の連絡先一覧を用意する。会長から秋の行事への協力依頼あり。",
    "自治会長・民生委員・包括の担当者と、見守りの分担について短く打ち合わせた。次回は1月中旬の予定。",
    "チラシ30部を配布。掲示板への掲示を会長が了承。個人の相談は後日あらためて受けることにした。"
    * 2,
    "記録者メモ: 会場の段差に注意。",
]
MEMO = "\n".join([*LINES[:-1], LINES[-1] + "次回は送迎の相談も受ける。" * 10])[:414]


def notes_of(ctx) -> list[str]:
    return [e.note for e in entries.list_entries(include_deleted=True)]


def picker_rows(app: ChofuApp) -> list[Text]:
    content = app.screen.query_one("#target-list", Static).content
    assert isinstance(content, Text)
    return content.split("\n")


def contrast(style: Style) -> float:
    """WCAG contrast ratio of a style's foreground and background."""

    def luminance(color: Color | None) -> float:
        assert color is not None, "the row sets its own colours"
        r, g, b = color.get_truecolor()

        def channel(c: int) -> float:
            c2 = c / 255
            return c2 / 12.92 if c2 <= 0.03928 else ((c2 + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    a, b = sorted([luminance(style.color), luminance(style.bgcolor)], reverse=True)
    return (a + 0.05) / (b + 0.05)


def row_style(line: Text) -> Style:
    """The style the picker gave the whole row."""
    styles = [Style.parse(str(s.style)) for s in line.spans if s.start <= 1 < s.end]
    return Style.combine([Style.parse(str(line.style) or "none"), *styles])


# 1. The memo: a multi-line field that keeps every line.
async def test_pasted_six_line_memo_is_stored_whole(ctx) -> None:
    assert len(MEMO) == 414 and MEMO.count("\n") == 5
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        note = app.screen.query_one("#note", TextArea)
        note.focus()
        app.post_message(events.Paste(MEMO))  # as the terminal sends a paste
        await settle(pilot)
        await pilot.press("ctrl+s")  # from the memo
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert entries.list_entries(2024, limit=1)[0].note == MEMO


async def test_pasted_memo_keeps_lines_and_tabs_but_no_control_codes(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#note", TextArea).focus()
        app.post_message(events.Paste("参加\x1b[2J者\x1b]0;title\x07\r\n\t12名"))
        await settle(pilot)
        assert app.screen.query_one("#note", TextArea).text == "参加者\n\t12名"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert entries.list_entries(2024, limit=1)[0].note == "参加者\n\t12名"


async def test_enter_in_the_memo_makes_a_new_line(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#note", TextArea).focus()
        await pilot.press(*"参加12名", "enter", *"次回1月")
        assert isinstance(app.screen, QuickEntryDialog)  # Enter did not save or leave
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert entries.list_entries(2024, limit=1)[0].note == "参加12名\n次回1月"


async def test_edit_form_shows_the_whole_memo(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        saved = entries.log_entry(
            ctx.catalog,
            entries.EntryDraft(("awareness",), TODAY, 2, coordinator="石井", note=MEMO),
        )
        plan = ctx.catalog.get(ctx.catalog.latest()).plan
        app.push_screen(QuickEntryDialog(ctx, plan, day=TODAY, record=saved.entry))
        await settle(pilot)
        assert app.screen.query_one("#note", TextArea).text == MEMO
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert entries.get_entry(saved.entry.uuid).note == MEMO


# 2. Nothing ticked that the user did not tick; what is ticked is plain to see.
async def test_program_screen_n_credits_only_what_was_typed(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen)
        await pilot.press("n")
        assert "選んだ目標: (まだありません)" in text_of(app, "#chosen")
        assert not [r for r in picker_rows(app) if "[x]" in r.plain]
        await pilot.press("a", "w", "enter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen)
        toast = notifications(app)[-1]
    newest = entries.list_entries(2024, limit=1)[0]
    assert newest.targets == ("awareness",)
    assert toast == "啓発件数 +1 → 4 / 800 回"  # exactly what was credited


async def test_program_screen_lists_its_targets_first(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        highlighted = app.screen.highlighted_target
        label = ctx.catalog.get(ctx.catalog.latest()).plan.target(highlighted).label
        await pilot.press("n")
        first = picker_rows(app)[0].plain
        assert first.startswith(">[ ]") and label in first  # offered at the cursor, not ticked


async def test_ticked_and_highlighted_rows_are_high_contrast(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")  # tick 啓発件数 (listed first, under the cursor)
        await pilot.press("down")  # the cursor on an unticked row
        rows = picker_rows(app)
        ticked = next(r for r in rows if r.plain.startswith(" [x]"))
        cursor = next(r for r in rows if r.plain.startswith(">"))
        assert "啓発件数" in ticked.plain
        assert contrast(row_style(ticked)) >= 7
        assert contrast(row_style(cursor)) >= 7
        assert row_style(ticked).bgcolor != row_style(cursor).bgcolor
        assert text_of(app, "#chosen") == "選んだ目標: 啓発件数"


# 3. Dates: parsed with today's date, errors keep the form, another year is announced first.
async def test_date_parser_gets_the_apps_today(ctx, monkeypatch) -> None:
    seen: list[dt.date] = []

    def parse(text: str, *, today: dt.date | None = None) -> dt.date:
        assert today is not None
        seen.append(today)
        return dt.date(2024, 5, 10)

    monkeypatch.setattr(quick_entry, "parse_date", parse)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#date", Input).value = "5/10"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert TODAY in seen
    assert [e.note for e in entries.list_entries(2024) if e.date == dt.date(2024, 5, 10)] == [""]


async def test_refused_date_keeps_the_form_and_its_contents(ctx, monkeypatch) -> None:
    def refuse(*args, **kwargs):  # what the service says of a date after today
        raise UserError("日付 2024-12-25 は今日 (2024-12-13) より後です", "date in the future")

    monkeypatch.setattr(entries, "log_entry", refuse)
    before = notes_of(ctx)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#date", Input).value = "2024-12-25"
        app.screen.query_one("#note", TextArea).load_text("クリスマス会")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "今日 (2024-12-13) より後です" in text_of(app, "#error")
        assert app.screen.query_one("#date", Input).has_class("-invalid")
        assert app.screen.query_one("#note", TextArea).text == "クリスマス会"
        assert text_of(app, "#chosen") == "選んだ目標: 啓発件数"
    assert notes_of(ctx) == before


async def test_bad_date_is_a_field_error_that_clears_once_fixed(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        date = app.screen.query_one("#date", Input)
        date.value = "2024-13-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "日付「2024-13-01」はありません" in text_of(app, "#error")
        assert date.has_class("-invalid")
        date.value = "2024-12-01"
        await settle(pilot)
        assert text_of(app, "#error") == ""
        assert not date.has_class("-invalid")


async def test_another_fiscal_year_is_announced_before_saving(ctx) -> None:
    app = ChofuApp(ctx)
    before = len(entries.list_entries(include_deleted=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        date = app.screen.query_one("#date", Input)
        date.value = "2024-03-30"  # 令和5年度
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "令和5年度に記録します" in text_of(app, "#error")
        assert len(entries.list_entries(include_deleted=True)) == before  # nothing yet
        date.value = "2022-06-02"  # changed its mind: told again, for the new year
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "令和4年度に記録します" in text_of(app, "#error")
        assert len(entries.list_entries(include_deleted=True)) == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        shown = notifications(app)
        assert "3 / 800 回" in row(app, "awareness")  # not counted in the year in view
    assert entries.list_entries(2022)[0].date == dt.date(2022, 6, 2)
    assert any("令和4年度に記録しました" in n for n in shown)
    assert not any("+1" in n for n in shown)


async def test_ctrl_l_puts_the_date_used_last(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        assert "ctrl+l 前回の日付" in text_of(app, "#keys")
        app.screen.query_one("#date", Input).value = "2024-11-17"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("n")
        date = app.screen.query_one("#date", Input)
        assert date.value == TODAY.isoformat()  # today stays the default
        await pilot.press("ctrl+l")
        assert date.value == "2024-11-17"


# 4. Esc asks before typed content goes.
async def test_escape_asks_before_discarding_typed_content(ctx) -> None:
    before = notes_of(ctx)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.query_one("#note", TextArea).focus()
        await pilot.press(*"サロン", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "破棄" in text_of(app, "#question")
        await pilot.press("n")  # no: back to the form, everything still there
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert app.screen.query_one("#note", TextArea).text == "サロン"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")  # Esc on the question is also no
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        await pilot.press("escape", "q")  # q does not quit from under the question
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    assert notes_of(ctx) == before


async def test_escape_on_an_untouched_form_closes_at_once(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"aw", "escape")  # a search alone is not content
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)


# 5. The edit form knows the registry before it calls a name new.
async def test_edit_form_calls_a_registered_organisation_registered(ctx) -> None:
    rec = next(e for e in entries.list_entries(2024) if e.organisation)
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        plan = ctx.catalog.get(ctx.catalog.latest()).plan
        app.push_screen(QuickEntryDialog(ctx, plan, day=rec.date, record=rec))
        await settle(pilot)
        assert app.screen.query_one("#org", Input).value == rec.organisation
        hint = text_of(app, "#org-hint")
        assert hint == "登録済みの団体です"


# 6. 記録者: from settings or the latest entry, else required; a blank name is refused.
async def test_coordinator_is_required_when_nobody_is_known(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    ctx = make_ctx(tmp_path)
    settings_service.save(settings_service.UserSettings("", 2))
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, QuickEntryDialog)  # the form itself, no question first
        coord = app.screen.query_one("#coord", Input)
        assert coord.value == ""
        await pilot.press("a", "w", "enter", "ctrl+s")
        await settle(pilot)
        assert "記録者を入力してください" in text_of(app, "#error")
        assert coord.has_class("-invalid")
        assert entries.list_entries() == []
        coord.value = "上田"
        await settle(pilot)
        assert text_of(app, "#error") == ""  # cleared once fixed
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert entries.list_entries()[0].coordinator == "上田"


async def test_blank_coordinator_typed_explicitly_is_refused(ctx) -> None:
    before = notes_of(ctx)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "w", "enter")
        app.screen.query_one("#coord", Input).value = " 　 "
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)
        assert "記録者を入力してください" in text_of(app, "#error")
    assert notes_of(ctx) == before


async def test_coordinator_comes_from_the_latest_entry_without_settings(ctx) -> None:
    Setting.delete().where(Setting.key == "coordinator").execute()  # no name in settings
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert app.screen.query_one("#coord", Input).value == "青木"  # the 9 Sep meeting


# 7. Messages: no command-line flags, cleared once fixed, the key line always in view.
async def test_missing_organisation_names_the_field_not_the_flag(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"community-a", "enter", "ctrl+s")
        await settle(pilot)
        error = text_of(app, "#error")
        assert "団体名が必要です" in error and "--" not in error
        org = app.screen.query_one("#org", Input)
        assert org.has_class("-invalid")
        org.focus()
        await pilot.press(*"上ノ原自治会")
        await settle(pilot)
        assert text_of(app, "#error") == ""
        assert not org.has_class("-invalid")


def test_service_messages_lose_their_flags() -> None:
    assert (
        entry_errors.for_app("community-approach (話し合い) には団体名 (--org) が必要です")
        == "community-approach (話し合い) には団体名が必要です"
    )
    assert (
        entry_errors.for_app("outreach-groups は記録から数える目標です。x を --org (団体名) 付きで")
        == "outreach-groups は記録から数える目標です。x を 団体名付きで"
    )
    assert "--" not in entry_errors.for_app("記録者 (--coordinator) が空です。--note も")


def test_error_field_prefers_the_errors_own_field() -> None:
    exc = UserError("何かが違います")
    exc.field = "organisation"  # type: ignore[attr-defined]
    assert entry_errors.field_of(exc) == "org"
    assert entry_errors.field_of(UserError("圏域 '9' がありません")) == "area"
    assert entry_errors.field_of(UserError("x (相談回数) には団体名 (--org) が必要です")) == "org"
    assert entry_errors.field_of(UserError("圏域 '日付' がありません (圏域: 1 緑ヶ丘)")) == "area"
    assert entry_errors.field_of(UserError("目標を一つ以上選んでください")) == "targets"
    assert entry_errors.field_of(UserError("保存できませんでした (locked)")) is None


async def test_three_line_error_keeps_the_key_line_inside_the_dialog(ctx, monkeypatch) -> None:
    long = "保存できない理由の説明がとても長い場合でも画面の下に押し出されないこと。" * 4

    def refuse(*args, **kwargs):
        raise UserError(long, "long")

    monkeypatch.setattr(entries, "log_entry", refuse)
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        for target in ("case-support-f", "case-support-c", "resource"):  # three long labels
            await pilot.press(*target, "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        chosen = app.screen.query_one("#chosen")
        error = app.screen.query_one("#error")
        keys = app.screen.query_one("#keys")
        dialog = app.screen.query_one("#dialog")
        inside = dialog.region.shrink(dialog.styles.gutter)
        assert chosen.region.height >= 3 and "社会資源等への働きかけ" in text_of(app, "#chosen")
        assert error.region.height == 3
        assert error.region.bottom <= keys.region.y  # the message is not under the key line
        assert keys.region.height == 1 and inside.contains_region(keys.region)
        assert text_of(app, "#keys").startswith("ctrl+s 保存  Esc 閉じる")
        assert app.screen.query_one("#note", TextArea).region.height >= 3  # memo still usable
        assert picker_rows(app)[0].plain.startswith(">[x]")  # the list gave up rows instead


# 8. Text that looks like markup is shown literally (issue 8).
async def test_markup_typed_into_the_organisation_is_shown_literally(ctx) -> None:
    entries.log_entry(
        ctx.catalog,
        entries.EntryDraft(
            ("community-approach",), TODAY, 2, organisation="[/]サロン[b]", coordinator="石井"
        ),
    )
    app = ChofuApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"community-a", "enter")
        await settle(pilot)
        for _ in range(100):  # the registry is read in a worker: wait for it, however slow
            if app.screen._orgs_loaded:
                break
            await pilot.pause(0.05)
        app.screen.query_one("#org", Input).focus()
        await pilot.press(*"[/]サロン")
        await settle(pilot)
        assert isinstance(app.screen, QuickEntryDialog)  # no MarkupError
        hint = text_of(app, "#org-hint")
        assert "新しい団体として登録します: [/]サロン" in hint
        assert "登録済み: [/]サロン[b]" in hint
        app.screen.query_one("#area", Input).value = "[bold]x[/]"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "'[bold]x[/]'" in text_of(app, "#error")
        app.screen.query_one("#area", Input).value = "2"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen), text_of(app, "#error")
    assert entries.list_entries(2024, limit=1)[0].organisation == "[/]サロン"


async def test_dialog_questions_quote_names_literally(ctx) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(PromptDialog("「[/]サロン[b]」をどの団体に統合しますか"))
        await settle(pilot)
        assert text_of(app, "#question") == "「[/]サロン[b]」をどの団体に統合しますか"
        await pilot.press("escape")
        app.push_screen(ConfirmDialog("「[red]x[/]」を破棄しますか"))
        await settle(pilot)
        assert text_of(app, "#question") == "「[red]x[/]」を破棄しますか"


async def test_edit_moving_an_entry_to_another_year_is_announced(ctx) -> None:
    rec = next(e for e in entries.list_entries(2024) if e.targets == ("network-meeting",))
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        plan = ctx.catalog.get(ctx.catalog.latest()).plan
        app.push_screen(QuickEntryDialog(ctx, plan, day=rec.date, record=rec))
        await settle(pilot)
        app.screen.query_one("#date", Input).value = "2024-03-29"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "令和5年度に記録します" in text_of(app, "#error")
        assert entries.get_entry(rec.uuid).date == rec.date  # not moved yet
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, QuickEntryDialog)
    assert entries.get_entry(rec.uuid).date == dt.date(2024, 3, 29)
