"""Services the app calls: edit, undo, the organisation registry, and the no-plan year."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries, organisations
from chofu_tui.services.progress import monthly, progress_for

DAY = dt.date(2024, 5, 1)


def draft(*targets: str, **kw) -> entries.EntryDraft:
    base = {"date": DAY, "area": 1, "count": 1}
    return entries.EntryDraft(targets=targets, **{**base, **kw})


@pytest.fixture
def plan(store, catalog: PlanCatalog):
    return catalog.get(FiscalYear(2024)).plan


def test_update_moves_the_figures(store, catalog: PlanCatalog, plan) -> None:
    saved = entries.log_entry(catalog, draft("awareness", count=2))
    entries.update_entry(
        catalog, saved.entry.uuid, draft("community-approach", organisation="若葉会", area=3)
    )
    prog = progress_for(plan, dt.date(2024, 10, 1))
    assert prog.get("awareness").actual == 0
    assert prog.get("community-approach").by_area[3] == 1
    assert prog.get("community-groups").actual == 1
    record = entries.get_entry(saved.entry.uuid)
    assert record.updated_at > record.created_at and record.organisation == "若葉会"


def test_undo_of_an_edit_restores_the_snapshot(store, catalog: PlanCatalog) -> None:
    before = entries.log_entry(catalog, draft("awareness", note="サロン")).entry
    entries.update_entry(catalog, before.uuid, draft("liaison-meeting", count=4))
    after = entries.restore_snapshot(before)
    assert (after.targets, after.count, after.note) == (before.targets, 1, "サロン")


def test_failed_update_leaves_entry_unchanged(store, catalog: PlanCatalog) -> None:
    before = entries.log_entry(catalog, draft("awareness")).entry
    with pytest.raises(UserError):
        entries.update_entry(catalog, before.uuid, draft("awareness", count=0))
    assert entries.get_entry(before.uuid) == before


def test_merge_two_organisations(store, catalog: PlanCatalog, plan) -> None:
    entries.log_entry(catalog, draft("community-approach", organisation="若葉ひだまりサロン"))
    entries.log_entry(catalog, draft("community-approach", organisation="ひだまりサロン若葉"))
    rows = {r.name: r for r in organisations.list_with_counts(2024)}
    assert progress_for(plan, DAY).get("community-groups").actual == 2
    moved = organisations.merge(rows["ひだまりサロン若葉"].id, rows["若葉ひだまりサロン"].id)
    assert moved == 1
    assert [(r.name, r.approaches) for r in organisations.list_with_counts(2024)] == [
        ("ひだまりサロン若葉", 2)
    ]
    assert progress_for(plan, DAY).get("community-groups").actual == 1
    # the old spelling now resolves to the survivor
    saved = entries.log_entry(
        catalog, draft("community-approach", organisation="若葉ひだまりサロン")
    )
    assert saved.entry.organisation == "ひだまりサロン若葉"


def test_rename_refuses_a_taken_name(store, catalog: PlanCatalog) -> None:
    entries.log_entry(catalog, draft("community-approach", organisation="A会"))
    entries.log_entry(catalog, draft("community-approach", organisation="B会"))
    rows = {r.name: r.id for r in organisations.list_with_counts(2024)}
    with pytest.raises(UserError, match="既にあります"):
        organisations.rename(rows["A会"], " Ｂ会 ")
    organisations.rename(rows["A会"], "A自治会")
    assert organisations.search("自治") == ["A自治会"]


def test_monthly_sums_to_the_year(store, catalog: PlanCatalog, plan) -> None:
    for day, n in ((dt.date(2024, 4, 1), 2), (dt.date(2024, 12, 31), 3), (dt.date(2025, 3, 31), 4)):
        entries.log_entry(
            catalog, draft("awareness", date=day, count=n), today=dt.date(2025, 3, 31)
        )
    series = monthly(plan)["awareness"]
    assert series[0] == 2 and series[8] == 3 and series[11] == 4
    assert sum(series) == progress_for(plan, dt.date(2025, 3, 31)).get("awareness").actual == 9


def test_entry_in_an_unplanned_year_is_kept_with_a_warning(store, catalog: PlanCatalog) -> None:
    later = dt.date(2026, 4, 2)  # "today" for this test: a date after today is refused
    saved = entries.log_entry(catalog, draft("awareness", date=later), today=later)
    assert saved.warnings and "令和8年度の計画がまだありません" in saved.warnings[0]
    assert entries.list_entries(2026)[0].uuid == saved.entry.uuid
    with pytest.raises(UserError, match="目標 'nope'"):
        entries.log_entry(catalog, replace(draft("nope"), date=later), today=later)
