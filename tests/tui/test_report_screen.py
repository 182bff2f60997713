"""The report screen, driven by Pilot in a tiny app that pushes it (the real app binds `r`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from textual.app import App
from textual.widgets import DataTable, Sparkline, Static

from chofu_tui.context import Context
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.screens.report import ReportScreen
from chofu_tui.services import entries

AS_OF = dt.date(2024, 9, 30)


class ReportApp(App):
    def __init__(self, ctx: Context, as_of: dt.date = AS_OF) -> None:
        super().__init__()
        self.ctx = ctx
        self.as_of = as_of

    def on_mount(self) -> None:
        plan = self.ctx.catalog.get(FiscalYear(2024)).plan
        self.push_screen(ReportScreen(self.ctx, plan, self.as_of))


def log(ctx: Context, target: str, day: str, area: int, count: int = 1, **kw: str) -> None:
    draft = entries.EntryDraft(
        targets=(target,), date=dt.date.fromisoformat(day), area=area, count=count, **kw
    )
    entries.log_entry(ctx.catalog, draft)


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(tmp_path / "plans"))
    monkeypatch.chdir(tmp_path)
    context = Context.open(tmp_path / "chofu.db", catalog=PlanCatalog(user_dir=tmp_path / "plans"))
    yield context
    context.close()


@pytest.fixture
def logged(ctx: Context) -> Context:
    log(ctx, "awareness", "2024-04-10", 1, count=3, coordinator="山田", note="サロンで啓発")
    log(ctx, "awareness", "2024-06-02", 2, count=2, coordinator="佐藤")
    log(ctx, "awareness", "2024-10-02", 2, count=9, coordinator="佐藤")  # after the as-of date
    log(ctx, "facilitator-course", "2024-07-05", 7, coordinator="山田", note="講座第1回")
    return ctx


async def ready(app: App, pilot) -> ReportScreen:  # type: ignore[no-untyped-def]
    """Wait for the report to be counted (in a worker) and shown."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ReportScreen)
    return app.screen


def cell_texts(grid: DataTable, row: int) -> list[str]:
    return [str(c) for c in grid.get_row_at(row)]


def row_of(grid: DataTable, label: str) -> int:
    for i in range(grid.row_count):
        if label in cell_texts(grid, i):
            return i
    raise AssertionError(f"{label} not shown")


def static_text(screen: ReportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_the_annual_view_shows_the_figures(logged: Context) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        title = static_text(screen, "#report-title")
        assert "令和6年度" in title and "令和6年9月30日(月)現在" in title and "年間" in title
        grid = screen.query_one(DataTable)
        assert grid.row_count == 18
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[:6] == ["補助", "内容", "単位", "目標", "実績", "達成率"]
        row = cell_texts(grid, row_of(grid, "啓発件数"))
        assert row[3:6] == ["800", "5", "0.6%"]  # 3 + 2; October's 9 is after the as-of date
        rows = [cell_texts(grid, i) for i in range(grid.row_count)]
        course = next(r for r in rows if r[1].startswith("令和6年度地域福祉ファシリテーター"))
        assert course[0] == "補" and course[4] == "1"


async def test_highlighting_a_target_charts_its_months(logged: Context) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        grid = screen.query_one(DataTable)
        target = row_of(grid, "啓発件数")
        grid.focus()
        for _ in range(target):
            await pilot.press("down")
        await pilot.pause()
        chart = screen.query_one("#report-chart", Sparkline)
        assert list(chart.data or []) == [3, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        detail = static_text(screen, "#report-detail-text")
        assert "啓発件数" in detail and "4月 3" in detail and "6月 2" in detail
        assert "地域住民の相談を包括的に受け止める場の周知" in detail  # its initiative


async def test_keys_switch_views(logged: Context) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await ready(app, pilot)
        grid = screen.query_one(DataTable)

        await pilot.press("3")
        headers = [str(c.label) for c in grid.columns.values()]
        assert "1 緑ヶ丘・滝坂" in headers and "8 第三・石原・飛田給" in headers
        row = cell_texts(grid, row_of(grid, "啓発件数"))
        assert row[headers.index("1 緑ヶ丘・滝坂")] == "3"
        assert row[headers.index("2 若葉・調和")] == "2"
        assert "圏域別" in static_text(screen, "#report-title")

        await pilot.press("4")
        headers = [str(c.label) for c in grid.columns.values()]
        row = cell_texts(grid, row_of(grid, "啓発件数"))
        assert row[headers.index("山田")] == "3" and row[headers.index("佐藤")] == "2"

        await pilot.press("2")
        headers = [str(c.label) for c in grid.columns.values()]
        row = cell_texts(grid, row_of(grid, "啓発件数"))
        assert row[headers.index("4月")] == "3" and row[headers.index("第1四半期")] == "5"

        await pilot.press("5")
        headers = [str(c.label) for c in grid.columns.values()]
        assert "記録" in headers and "ケースコード" not in headers
        notes = [cell_texts(grid, i)[headers.index("記録")] for i in range(grid.row_count)]
        assert notes == ["サロンで啓発", "講座第1回"]
        grid.focus()
        await pilot.press("down")
        await pilot.pause()
        detail = static_text(screen, "#report-detail-text")
        assert "大学との連携" in detail and "質的目標: " in detail  # the course's initiative

        await pilot.press("s")
        await ready(app, pilot)
        assert grid.row_count == 1  # only the subsidy initiative's note
        await pilot.press("1")
        assert grid.row_count == 5


async def test_footer_shows_the_keys_in_japanese(logged: Context) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(200, 50)) as pilot:
        await ready(app, pilot)
        shown = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {
            "年間",
            "月別",
            "圏域別",
            "コーディネーター別",
            "記録",
            "Excelに出力",
            "閉じる",
        } <= shown


async def test_x_exports_the_workbook_and_says_where(logged: Context, tmp_path: Path) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = tmp_path / "chofu-report-R6-2024-09-30.xlsx"
        assert path.is_file()
        messages = [n.message for n in app._notifications]
        assert any(str(path) in m and "出力しました" in m for m in messages)
    wb = openpyxl.load_workbook(path)
    data = wb["データ"]  # the hidden sheet for machines (the printed sheets carry no ids)
    header = [c.value for c in data[1]]
    rows = {r[header.index("目標ID")]: r for r in data.iter_rows(min_row=2, values_only=True)}
    assert rows["awareness"][header.index("実績")] == 5


async def test_an_export_that_fails_says_so(logged: Context, tmp_path: Path) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        screen.export_dir = tmp_path / "missing"
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("書き込めません" in m for m in messages)
    assert not (tmp_path / "missing").exists()


async def test_a_year_without_entries_says_so(ctx: Context) -> None:
    app = ReportApp(ctx)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        assert "記録はまだありません" in static_text(app.screen, "#report-status")
        grid = app.screen.query_one(DataTable)
        assert cell_texts(grid, row_of(grid, "啓発件数"))[4] == "0"  # 実績


async def test_escape_closes_the_screen(logged: Context) -> None:
    app = ReportApp(logged)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportScreen)


async def test_user_text_that_looks_like_markup_is_shown_literally(ctx: Context) -> None:
    """On main a coordinator 「[/]伊藤」 or a note 「[/nope] x」 closed the app (MarkupError)."""
    log(ctx, "community-approach", "2024-07-10", 3, coordinator="[/]伊藤",
        organisation="[/]サロン[b]", note="[/nope] x")  # fmt: skip
    app = ReportApp(ctx)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await ready(app, pilot)
        for key in ("4", "5", "3", "2", "1"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen  # still up
        await pilot.press("4")
        await pilot.pause()
        grid = screen.query_one(DataTable)
        assert "[/]伊藤" in [str(c.label) for c in grid.columns.values()]
        await pilot.press("5")
        await pilot.pause()
        cells = [str(c) for r in range(grid.row_count) for c in grid.get_row_at(r)]
        assert any("[/nope] x" in c for c in cells)
        assert any("[/]サロン[b]" in c for c in cells)
