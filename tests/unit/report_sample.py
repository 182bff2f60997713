"""A year of entries for the report tests, logged through the entries service.

Their figures are worked out by hand in test_report.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import entries
from chofu_tui.store import open_store

YEAR_END = dt.date(2025, 3, 31)
SUBSIDY_TARGETS = {
    "facilitator-course",
    "graduate-activity",
    "graduate-seminar",
    "ibasho-launch-support",
    "ibasho-expansion-support",
}


def log(catalog: PlanCatalog, targets: tuple[str, ...], day: str, area: int, **kw) -> str:
    draft = entries.EntryDraft(targets=targets, date=dt.date.fromisoformat(day), area=area, **kw)
    return entries.log_entry(catalog, draft).entry.uuid


def log_sample(catalog: PlanCatalog) -> None:
    """A small year whose figures are worked out by hand in the tests below."""
    log(catalog, ("awareness",), "2024-04-10", 1, count=3, coordinator="山田", note="サロンで啓発")
    log(catalog, ("awareness",), "2024-05-20", 2, count=2, coordinator="佐藤")
    log(catalog, ("awareness",), "2025-03-31", 2, count=1, coordinator="佐藤")
    log(catalog, ("awareness",), "2025-04-01", 2, count=7, coordinator="佐藤")  # next year
    gone = log(catalog, ("awareness",), "2024-04-11", 1, count=5, coordinator="山田")
    entries.set_deleted(gone, True)
    log(
        catalog,
        ("community-approach", "awareness"),
        "2024-06-01",
        3,
        organisation="ひだまりサロン若葉",
        coordinator="山田",
        note="話し合いの場を提案",
    )
    log(
        catalog,
        ("community-approach",),
        "2024-07-01",
        3,
        organisation="ひだまりサロン 若葉 ",
        coordinator="山田",
    )
    log(
        catalog,
        ("community-approach",),
        "2024-07-15",
        4,
        organisation="深大寺自治会",
        coordinator="佐藤",
    )
    log(catalog, ("network-meeting",), "2024-09-01", 1, coordinator="山田")
    log(catalog, ("network-meeting",), "2024-10-01", 1, coordinator="山田")
    log(catalog, ("network-meeting",), "2024-11-11", 5, coordinator="佐藤")
    log(
        catalog,
        ("case-support-family",),
        "2024-08-08",
        6,
        case_code="C-0042",
        coordinator="佐藤",
        note="本人と面談",
    )
    log(catalog, ("facilitator-course",), "2024-10-05", 7, coordinator="山田", note="講座第1回")


def store_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanCatalog]:
    """For a fixture: a fresh store in tmp_path and the bundled plans (no user plans)."""
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(tmp_path / "plans"))
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2026-01-15")
    db = open_store(tmp_path / "chofu.db")
    yield PlanCatalog(user_dir=tmp_path / "plans")
    db.close()


def plan_of(catalog: PlanCatalog) -> Plan:
    return catalog.get(FiscalYear(2024)).plan
