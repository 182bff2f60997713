"""Issue 12, readable at 80x24: short labels that never repeat, no English ids in the app, a
log memo of 20 cells, the report's figures first, Japanese line breaking, toasts above the
key bar."""

from __future__ import annotations

import datetime as dt
import re

from rich.cells import cell_len
from textual.widgets import DataTable, Select
from textual.widgets._toast import Toast

from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from chofu_tui.plan import Plan
from chofu_tui.screens.program_area import ProgramAreaScreen
from chofu_tui.screens.report import ReportScreen
from chofu_tui.services import entries
from chofu_tui.widgets.keybar import KeyBar
from chofu_tui.widgets.phrase_text import NO_LINE_START, PhraseText, wrap
from chofu_tui.widgets.target_row import TargetRow
from tests.tui.conftest import settle, text_of

# An English target id as the plan writes them (awareness, case-support-family, ...).
ENGLISH_ID = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b|\bawareness\b")


def plan_of(app: ChofuApp) -> Plan:
    assert app.view.plan is not None
    return app.view.plan


def ids(plan: Plan) -> list[str]:
    return [t.id for t in plan.targets()]


async def test_the_dashboard_at_80x24_shows_no_two_equal_labels(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rows = list(app.screen.query(TargetRow))
        assert len(rows) == len(ids(plan_of(app)))
        # the label is what stands before the figure (two spaces or more)
        labels = [re.split(r"\s{2,}", r.line.split("\n")[0].strip())[0] for r in rows]
        assert len(set(labels)) == len(labels), labels
        assert "本人・家族への継続支援" in labels and "地域・専門機関との継続支援" in labels
        assert not any(".." in label for label in labels)  # none cut short


async def test_the_dashboard_at_120_columns_keeps_the_whole_labels(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = app.screen.query_one("#row-case-support-family", TargetRow).line
        assert "複合課題を有するケースにおける本人および家族への継続支援" in line


async def test_the_picker_shows_no_english_ids_and_aw_still_takes_five_keys(
    ctx: Context,
) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        listed = text_of(app, "#target-list")
        assert "[ ]" in listed and not ENGLISH_ID.search(listed), listed
        await pilot.press("a", "w")
        await pilot.pause()
        listed = text_of(app, "#target-list")
        assert "啓発件数" in listed and "awareness" not in listed
        await pilot.press("enter", "ctrl+s")  # n a w Enter ctrl+s: five keys
        await settle(pilot)
        assert entries.list_entries(2024, limit=1)[0].targets == ("awareness",)


async def test_the_log_at_80_columns_gives_the_memo_20_cells(ctx: Context) -> None:
    note = "地区協議会の定例会で事業を説明し、チラシを配布した"
    entries.log_entry(
        ctx.catalog,
        entries.EntryDraft(
            targets=("case-support-community",),
            date=dt.date(2024, 12, 12),
            area=3,
            case_code="C1001",
            coordinator="佐々木",
            note=note,
        ),
    )
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        widths = {str(c.label): c.get_render_width(table) for c in table.columns.values()}
        # the memo column is in sight: everything before it leaves it 20 cells of 80
        before = sum(w for label, w in widths.items() if label != "メモ")
        assert table.size.width - before >= 20 + 2, widths
        first = [str(c) for c in table.get_row_at(0)]
        assert first[-1].startswith("地区協議会の定例会") and cell_len(first[-1]) >= 20
        assert first[1] == "地域・専門機.."  # the short label, not 複合課題を…
        await pilot.press("enter")  # the whole entry
        await settle(pilot)
        assert note in str(app.screen.query_one("#detail-text").render())


async def test_the_report_at_80_columns_shows_the_figures_first(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        grid = app.screen.query_one(DataTable)
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[:4] == ["内容", "目標", "実績", "達成率"] and "目標ID" not in headers
        rows = [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count)]
        awareness = next(r for r in rows if r[0] == "啓発件数")
        assert awareness[1:3] == ["800", "3"]
        shown = " ".join(" ".join(r) for r in rows)
        assert not ENGLISH_ID.search(shown)
        # in sight without scrolling: the first four columns fit in 80 columns
        first_four = sum(c.get_render_width(grid) for c in list(grid.columns.values())[:4])
        assert first_four <= 78


def test_wrap_breaks_by_phrase_and_never_starts_a_line_with_punctuation() -> None:
    text = "【事業内容】地域住民の相談を包括的に受け止める場について、アウトリーチ等を通じて、その存在と役割等の周知を図る。"
    for width in range(10, 80):
        lines = wrap(text, width)
        assert "".join(lines) == text
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert not any(line[0] in NO_LINE_START for line in lines[1:]), (width, lines)
    assert wrap("相談しやすい環境が、構築できる。", 12)[1][0] not in "、。"
    # by phrase: 「アウトリーチ等を」 is never split across two lines at 76 cells
    assert any(line.endswith("アウトリーチ等を") for line in wrap(text, 76))


async def test_program_screens_break_japanese_text_and_show_the_memo(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ProgramAreaScreen)
        texts = list(app.screen.query(PhraseText))
        assert texts
        for widget in texts:
            lines = str(widget.render()).split("\n")
            assert not any(line and line[0] in NO_LINE_START for line in lines), lines
            assert all(cell_len(line) <= widget.size.width for line in lines)
        recent = text_of(app, "#recent-outreach-awareness")
        assert "「サロンで啓発」" in recent  # seeded with the note サロンで啓発


async def test_a_toast_never_covers_the_key_bar(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        assert bar.size.height >= 2  # at 80 columns the keys take more than one line
        app.notify("記録しました: 2024-12-13 啓発件数 (1回)")
        await settle(pilot)
        toasts = list(app.screen.query(Toast))
        assert toasts
        for toast in toasts:
            assert toast.region.bottom <= bar.region.y, (toast.region, bar.region)


async def test_the_log_target_filter_lists_labels_not_ids(ctx: Context) -> None:
    app = ChofuApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        select = app.screen.query_one("#filter-target", Select)
        prompts = [str(prompt) for prompt, _ in select._options]
        assert "啓発件数" in prompts and "本人・家族への継続支援" in prompts
        assert not any(ENGLISH_ID.search(p) for p in prompts), prompts
