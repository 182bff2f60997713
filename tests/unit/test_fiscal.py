import datetime as dt

import pytest

from chofu_tui.fiscal import FiscalYear, parse_date, wareki_date


@pytest.mark.parametrize("text", ["2024", "R6", "r6", "令和6", "令和6年度", "２０２４", "Ｒ６"])
def test_parse_accepts_every_form(text: str) -> None:
    assert FiscalYear.parse(text) == FiscalYear(2024)


def test_reiwa_gannen() -> None:
    assert FiscalYear.parse("令和元") == FiscalYear(2019)
    assert FiscalYear(2019).label == "令和元年度"


@pytest.mark.parametrize("text", ["", "24", "H30", "令和", "2024-04", "1999"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="年度"):
        FiscalYear.parse(text)


def test_boundaries() -> None:
    assert FiscalYear.of(dt.date(2025, 3, 31)) == FiscalYear(2024)
    assert FiscalYear.of(dt.date(2025, 4, 1)) == FiscalYear(2025)
    assert FiscalYear.of(dt.date(2024, 4, 1)) == FiscalYear(2024)
    fy = FiscalYear(2024)
    assert (fy.start, fy.end, fy.days) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31), 365)
    assert fy.months()[0] == (2024, 4) and fy.months()[-1] == (2025, 3)


def test_elapsed_fraction() -> None:
    fy = FiscalYear(2024)
    assert fy.elapsed_fraction(dt.date(2024, 3, 31)) == 0
    assert fy.elapsed_fraction(dt.date(2024, 4, 1)) == pytest.approx(1 / 365)
    assert fy.elapsed_fraction(dt.date(2025, 3, 31)) == 1
    assert fy.elapsed_fraction(dt.date(2026, 1, 1)) == 1


def test_wareki_and_dates() -> None:
    assert wareki_date(dt.date(2024, 4, 1)) == "令和6年4月1日(月)"
    assert parse_date("２０２４-０４-０１") == dt.date(2024, 4, 1)
    for bad in ("2024-02-30", "2024/04/32", "today", "2024-4"):
        with pytest.raises(ValueError, match="日付"):
            parse_date(bad)
