"""The target picker's matching and the demo generator (no Textual)."""

from __future__ import annotations

import datetime as dt

from chofu_tui.context import Context
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries
from chofu_tui.services.demo import fill_demo
from chofu_tui.services.year_view import as_of_for, match_targets
from chofu_tui.store import open_store


def plan():
    return PlanCatalog().get(FiscalYear(2024)).plan


def ids(query: str) -> list[str]:
    return [t.id for _, t in match_targets(plan(), query)]


def test_match_by_id_label_number_and_initials() -> None:
    assert ids("aw")[0] == "awareness"
    assert ids("啓発") == ["awareness", "graduate-seminar"]
    assert ids("3") == ["awareness"]
    assert ids("12") == ["resident-training"]
    assert ids("csc")[0] == "case-support-community"
    assert "community-groups" not in ids("community")  # derived: never logged directly
    assert len(ids("")) == 17
    assert ids("｡zzz") == []


def test_as_of_stays_inside_the_year() -> None:
    fy = FiscalYear(2024)
    assert as_of_for(fy, dt.date(2026, 1, 1)) == dt.date(2025, 3, 31)
    assert as_of_for(fy, dt.date(2023, 1, 1)) == dt.date(2024, 4, 1)
    assert as_of_for(fy, dt.date(2024, 12, 13)) == dt.date(2024, 12, 13)


def _demo_rows(tmp_path) -> list[tuple]:
    ctx = Context(PlanCatalog(user_dir=tmp_path / "plans"), tmp_path / "d.db")
    ctx._db = open_store(tmp_path / "d.db")
    fill_demo(plan())
    rows = [(e.uuid, e.date, e.targets, e.area, e.count) for e in entries.list_entries(2024)]
    ctx.close()
    return rows


def test_demo_is_deterministic(tmp_path) -> None:
    first = _demo_rows(tmp_path / "a")
    assert first == _demo_rows(tmp_path / "b")
    assert max(r[1] for r in first) <= dt.date(2024, 12, 13)
    assert any(len(r[2]) == 2 for r in first)  # some visits credit two targets
