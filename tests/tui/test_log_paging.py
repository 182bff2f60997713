"""The entry log opens on its first page and loads the rest as the cursor nears the end (or on
End); a search still searches every entry."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input

from chofu_tui.app import ChofuApp
from chofu_tui.screens.entry_log import PAGE, EntryLogScreen
from chofu_tui.services import entries, entry_log
from chofu_tui.services.entry_log import LogQuery
from tests.tui.conftest import settle, text_of

MANY = 2 * PAGE + 50  # 4 seeded + these: three pages


def fill(ctx) -> None:
    first = dt.date(2024, 4, 2)
    for i in range(MANY):
        note = "いちばん古い記録" if i == 0 else f"訪問 {i}"
        entries.log_entry(
            ctx.catalog,
            entries.EntryDraft(("awareness",), first + dt.timedelta(days=i % 200), 1, note=note),
        )


def rows(app: ChofuApp) -> int:
    return app.screen.query_one(DataTable).row_count


def test_list_log_pages(ctx) -> None:
    fill(ctx)
    query = LogQuery(fiscal_year=2024)
    every = entry_log.list_log(query)
    assert len(every) == MANY + 4
    page = entry_log.list_log(query, limit=PAGE)
    assert page == every[:PAGE]
    assert entry_log.list_log(query, limit=PAGE, offset=PAGE) == every[PAGE : 2 * PAGE]
    searched = LogQuery(fiscal_year=2024, text="訪問")
    found = entry_log.list_log(searched, limit=10, offset=5)
    assert found == entry_log.list_log(searched)[5:15]


async def test_the_log_opens_on_its_first_page_and_loads_more(ctx) -> None:
    fill(ctx)
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, EntryLogScreen)
        assert rows(app) == PAGE
        assert f"{PAGE}件まで表示" in text_of(app, "#log-count")
        # PageDown towards the end of the page: the next page comes
        for _ in range(8):
            await pilot.press("pagedown")
            await settle(pilot)
        assert PAGE < rows(app) <= MANY + 4
        # End: everything, and the cursor on the oldest entry
        await pilot.press("end")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert rows(app) == MANY + 4
        assert table.cursor_row == MANY + 3
        assert f"{MANY + 4}件" in text_of(app, "#log-count")
        assert "まで表示" not in text_of(app, "#log-count")


async def test_a_search_finds_an_entry_past_the_first_page(ctx) -> None:
    fill(ctx)
    app = ChofuApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert rows(app) == PAGE
        app.screen.query_one("#filter-text", Input).value = "いちばん古い"
        await settle(pilot)
        assert rows(app) == 1
        assert "いちばん古い記録" in str(app.screen.query_one(DataTable).get_row_at(0)[6])
