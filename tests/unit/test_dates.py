"""Issue 9 #3: one date parser for the app and the command line; no entry dated after today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.fiscal import parse_date
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries
from tests.unit.conftest import CLI, table_dump

TODAY = dt.date(2024, 10, 1)  # as pinned by the db_path fixture


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-05-10", dt.date(2024, 5, 10)),
        ("2024/5/10", dt.date(2024, 5, 10)),
        ("2024-5-1", dt.date(2024, 5, 1)),
        ("5/10", dt.date(2024, 5, 10)),
        ("11/17", dt.date(2023, 11, 17)),  # the latest 11/17 not after today
        ("10/1", dt.date(2024, 10, 1)),
        ("5月10日", dt.date(2024, 5, 10)),
        ("令和6年5月10日", dt.date(2024, 5, 10)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R6.5.10", dt.date(2024, 5, 10)),
        ("R6/5/10", dt.date(2024, 5, 10)),
        ("r6.5.10", dt.date(2024, 5, 10)),
        ("2024年5月10日", dt.date(2024, 5, 10)),
        ("令和6年5月10日(金)", dt.date(2024, 5, 10)),  # as the app writes a date
        ("２０２４／５／１０", dt.date(2024, 5, 10)),
        ("Ｒ６．５．１０", dt.date(2024, 5, 10)),
        ("令和６年５月１０日", dt.date(2024, 5, 10)),
        ("２０２４－０５－１０", dt.date(2024, 5, 10)),
        (" 2024-05-10 ", dt.date(2024, 5, 10)),
    ],
)
def test_one_parser_reads_the_ways_dates_are_written(text: str, day: dt.date) -> None:
    assert parse_date(text, today=TODAY) == day


def test_a_month_and_day_looks_back_to_the_last_such_day() -> None:
    assert parse_date("2/29", today=dt.date(2025, 3, 1)) == dt.date(2024, 2, 29)
    assert parse_date("3/1", today=dt.date(2025, 2, 28)) == dt.date(2024, 3, 1)
    assert parse_date("1/1", today=dt.date(2025, 1, 1)) == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    "text",
    ["2024-02-30", "2024/13/01", "today", "2024", "13/1", "2/30", "R0.5.1", "2024/5-10",
     "", "٢٠٢٤-٠٥-١٠", "20240510x", "H31.4.1"],
)  # fmt: skip
def test_nonsense_is_refused_in_japanese(text: str) -> None:
    with pytest.raises(UserError, match="日付") as info:
        parse_date(text, today=TODAY)
    assert info.value.english  # the CLI prints both


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2024/5/10", "2024-05-10"), ("5/10", "2024-05-10"), ("令和6年5月10日", "2024-05-10"),
     ("R6.9.30", "2024-09-30"), ("11/17", "2023-11-17")],
)  # fmt: skip
def test_the_cli_takes_the_same_dates(cli: CLI, typed: str, stored: str) -> None:
    code, _, err = cli("add", "awareness", "--area", "1", "--date", typed)
    assert code == 0, err
    assert (
        cli.json("log", "--fy", stored[:4] if stored >= "2024-04" else "2023")["entries"][0]["date"]
        == stored
    )


def test_a_date_after_today_is_refused_and_nothing_is_saved(cli: CLI, db_path: Path) -> None:
    cli("add", "awareness", "--area", "1", "--date", "2024-05-01")
    before = table_dump(db_path)
    for day in ("2024-10-02", "2024-12-25", "R7.3.31"):
        code, _, err = cli("add", "awareness", "--area", "1", "--date", day)
        assert code == 2 and "今日 (2024-10-01) より後" in err, err
    assert table_dump(db_path) == before
    assert cli("add", "awareness", "--area", "1", "--date", "2024-10-01")[0] == 0  # today is fine


def test_an_edit_cannot_move_an_entry_after_today(store, catalog: PlanCatalog, db_path) -> None:
    draft = entries.EntryDraft(("awareness",), dt.date(2024, 5, 1), 1)
    saved = entries.log_entry(catalog, draft, today=TODAY)
    before = table_dump(db_path)
    with pytest.raises(UserError, match="より後"):
        entries.update_entry(
            catalog, saved.entry.uuid, entries.EntryDraft(("awareness",), dt.date(2024, 10, 2), 1)
        )
    with pytest.raises(UserError, match="より後"):
        entries.log_entry(catalog, draft, today=dt.date(2024, 4, 30))
    assert table_dump(db_path) == before


def test_merge_takes_a_row_dated_after_today(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another laptop's clock may run ahead: merge does not refuse its later dates."""
    source, mine = tmp_path / "other.db", tmp_path / "mine.db"
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2025-01-10")
    assert (
        cli("add", "awareness", "--area", "1", "--date", "2025-01-05", "--db", str(source))[0] == 0
    )
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    code, _, err = cli("merge", str(source), "--db", str(mine))
    assert code == 0, err
    assert cli.json("log", "--fy", "2024", "--db", str(mine))["entries"][0]["date"] == "2025-01-05"
