"""One counting engine (issue 10): the screens, `progress` and every report view give the same
figures, from the counters the store keeps, with one definition per figure."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_sample import YEAR_END, log_sample, plan_of

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog, TargetKind
from chofu_tui.services import clock
from chofu_tui.services.progress import approached_monthly, breakdown, monthly, progress_for
from chofu_tui.services.report import build_report, report_as_of
from chofu_tui.store import open_store
from chofu_tui.store.models import database


@pytest.fixture
def sample(db_path: Path, catalog: PlanCatalog, monkeypatch: pytest.MonkeyPatch) -> PlanCatalog:
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2026-01-15")  # the sample reaches 2025-04-01
    db = open_store(db_path)
    log_sample(catalog)
    db.close()
    return catalog


def _report(db_path: Path, catalog: PlanCatalog, as_of: dt.date = YEAR_END):
    db = open_store(db_path)
    try:
        return build_report(plan_of(catalog), as_of)
    finally:
        db.close()


@pytest.mark.parametrize("by", ["month", "area", "coordinator"])
@pytest.mark.parametrize("as_of", ["2025-03-31", "2024-07-10"])
def test_progress_by_prints_the_report_views_numbers(
    sample: PlanCatalog, cli, db_path: Path, by: str, as_of: str
) -> None:
    data = cli.json("progress", "--fy", "2024", "--as-of", as_of, "--by", by)
    report = _report(db_path, sample, dt.date.fromisoformat(as_of))
    assert data["by"] == by and data["as_of"] == as_of
    if by == "area":
        assert data["columns"] == [f"{no} {name}" for no, name in report.areas]
    elif by == "coordinator":
        assert data["columns"] == list(report.coordinators)
    got = {t["id"]: (t["actual"], t["values"]) for t in data["targets"]}
    for row in report.rows:
        values = {"month": row.months, "area": row.by_area, "coordinator": row.by_coordinator}
        assert got[row.target_id] == (row.actual, list(values[by])), row.target_id
    # not all zeros: the sample has figures in every view
    assert any(any(v) for _, v in got.values())


def test_progress_by_as_text_and_a_wrong_view(sample: PlanCatalog, cli) -> None:
    code, out, err = cli("progress", "--fy", "2024", "--as-of", "2025-03-31", "--by", "coordinator")
    assert code == 0, err
    assert "山田" in out and "佐藤" in out
    line = next(li for li in out.splitlines() if li.startswith("community-groups"))
    assert line.split()[-1] == "2団体"
    code, _, err = cli("progress", "--by", "week")
    assert code == 2 and "week" in err


def test_monthly_groups_are_first_reached_and_add_up_to_the_year(
    sample: PlanCatalog, db_path: Path
) -> None:
    """The screens' monthly 団体 figure is the report's: an organisation counts in the month it
    was first reached (ひだまりサロン若葉 came back in July: counted in June only)."""
    plan = plan_of(sample)
    report = _report(db_path, sample)
    db = open_store(db_path)
    try:
        months = monthly(plan)
        approached = approached_monthly(plan)
        year = progress_for(plan, YEAR_END)
    finally:
        db.close()
    assert months["community-groups"][:5] == [0, 0, 1, 1, 0]
    assert approached["community-groups"][:5] == [0, 0, 1, 2, 0]  # under its own name
    for t in plan.targets():
        assert months[t.id] == list(report.row(t.id).months), t.id
        assert sum(months[t.id]) == year.get(t.id).actual == report.row(t.id).actual, t.id
    per_area = [t.id for t in plan.targets() if t.kind is TargetKind.PER_AREA]
    assert months["network-meeting"] == list(report.row("network-meeting").months)
    assert per_area and sum(months["network-meeting"]) == 2


def test_the_report_reads_the_kept_counters(sample: PlanCatalog, db_path: Path) -> None:
    """One engine: the report's figures come from the counters (store/tallies.py), the same
    rows the dashboard reads, not from a count of its own."""
    db = open_store(db_path)
    try:
        database.execute_sql(
            "UPDATE tally SET total = total + 100 WHERE target_id = 'awareness' AND month = 5"
        )
        # the same +100 in the roll-ups (schema 3) that the whole year's figures read
        database.execute_sql(
            "UPDATE tally_month SET total = total + 100 WHERE target_id = 'awareness' AND month = 5"
        )
        database.execute_sql(
            "UPDATE tally_area SET total = total + 100 WHERE target_id = 'awareness'"
            " AND area = (SELECT MIN(area) FROM tally WHERE target_id = 'awareness'"
            " AND month = 5)"
        )
        plan = plan_of(sample)
        report = build_report(plan, YEAR_END)
        shown = progress_for(plan, YEAR_END).get("awareness").actual
    finally:
        db.close()
    assert report.row("awareness").months[1] == 102  # 2 logged in May, +100 in the counter
    assert report.row("awareness").actual == shown == 107


def test_today_and_the_as_of_clamp_live_in_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    assert clock.today() == dt.date(2024, 10, 1)
    fy = FiscalYear(2024)
    assert clock.as_of_for(fy) == dt.date(2024, 10, 1)
    assert clock.as_of_for(FiscalYear(2023)) == dt.date(2024, 3, 31)  # a past year: its end
    assert clock.as_of_for(FiscalYear(2025)) == dt.date(2025, 4, 1)  # a future one: its start
    assert report_as_of(fy, dt.date(2030, 1, 1)) == fy.end
    from chofu_tui.context import Context

    assert Context.__dataclass_fields__["today"].default is clock.today


def test_services_no_longer_import_the_context() -> None:
    """entries.py asked chofu_tui.context for "today" (a service reaching up a layer)."""
    code = (
        "import sys\n"
        "import chofu_tui.services.entries, chofu_tui.services.progress\n"
        "import chofu_tui.services.report.save, datetime as dt\n"
        "from chofu_tui.plan import PlanCatalog\n"
        "from chofu_tui.services.entries import EntryDraft, check_draft\n"
        "draft = EntryDraft(targets=('awareness',), date=dt.date(2024, 5, 1), area=1)\n"
        "check_draft(PlanCatalog(), draft)  # refuses a day after today: asks for today\n"
        "assert 'chofu_tui.context' not in sys.modules, 'context imported'\n"
        "assert 'chofu_tui.store' in sys.modules\n"
    )
    env = {**os.environ, "CHOFU_TUI_TODAY": "2024-10-01"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def test_breakdown_of_one_area(sample: PlanCatalog, db_path: Path) -> None:
    db = open_store(db_path)
    try:
        bd = breakdown(plan_of(sample), YEAR_END, "area", area=3)
    finally:
        db.close()
    assert bd.columns == ("3 " + plan_of(sample).area(3).name,)  # type: ignore[union-attr]
    row = next(r for r in bd.rows if r.target.id == "community-groups")
    assert (row.actual, row.values) == (1, (1,))


def test_one_rule_one_place_helpers(tmp_path: Path) -> None:
    from chofu_tui.plan.loader import PlanCatalog as Catalog
    from chofu_tui.plan.loader import plan_file_name, year_of_plan_file
    from chofu_tui.services.progress import figure_unit
    from chofu_tui.services.report.tables import ColumnKind, as_text

    fy = FiscalYear(2031)
    assert plan_file_name(fy) == "plan-2031.toml"
    assert year_of_plan_file(plan_file_name(fy)) == 2031
    assert year_of_plan_file("plan-31.toml") is None
    # the catalog writes the next year's plan under that name
    written = Catalog(user_dir=tmp_path).write_next(FiscalYear(2025))
    assert written.name == plan_file_name(FiscalYear(2025))
    # one formatting of a cell: screens and Excel group thousands, CSV and Markdown do not
    assert as_text(12345, ColumnKind.NUMBER, grouped=True) == "12,345"
    assert as_text(12345, ColumnKind.NUMBER) == "12345"
    assert as_text(0.1234, ColumnKind.RATE) == "12.3%"
    plan = PlanCatalog(user_dir=tmp_path).get(FiscalYear(2024)).plan
    units = {t.kind: figure_unit(t) for t in plan.targets()}
    assert units[TargetKind.DISTINCT] == "団体" and units[TargetKind.PER_AREA] == "圏域"


def test_log_edit_and_demo_link_targets_one_way(
    db_path: Path, catalog: PlanCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every writer links an entry's targets through entries.set_targets (merge too: its
    tests in test_merge.py go through the same function)."""
    from chofu_tui.services import demo, entries

    seen: list[tuple[str, ...]] = []
    real = entries.set_targets

    def watching(entry_id: int, targets, *, replace: bool = False) -> None:  # type: ignore[no-untyped-def]
        seen.append(tuple(targets))
        real(entry_id, targets, replace=replace)

    monkeypatch.setattr(entries, "set_targets", watching)
    plan = catalog.get(FiscalYear(2024)).plan
    other = next(t.id for t in plan.targets() if t.loggable and t.id != "awareness")
    db = open_store(db_path)
    try:
        draft = entries.EntryDraft(targets=("awareness",), date=dt.date(2024, 5, 1), area=1)
        saved = entries.log_entry(catalog, draft)
        entries.update_entry(
            catalog, saved.entry.uuid, entries.EntryDraft((other,), dt.date(2024, 5, 2), 1)
        )
    finally:
        db.close()
    assert seen == [("awareness",), (other,)]
    db = open_store(db_path.with_name("demo.db"))
    try:
        n = demo.fill_demo(plan)
    finally:
        db.close()
    assert n > 0 and len(seen) == n + 2


def _reference_rows(plan, until: dt.date, coords: tuple[str, ...]) -> dict[str, tuple]:
    """Every report figure counted straight from the entries, the way the report counted them
    before the engine (its own GROUP BY): (actual, months, by_area, by_coordinator)."""
    from collections import defaultdict

    from chofu_tui.services.report import NO_COORDINATOR

    rows = database.execute_sql(
        "SELECT t.target_id, e.date, e.area, e.coordinator, e.organisation_id, e.count"
        " FROM entry e JOIN entry_target t ON t.entry_id = e.id"
        " WHERE e.fiscal_year = ? AND e.deleted = 0 AND e.date <= ?",
        (plan.fy.year, until.isoformat()),
    ).fetchall()
    area_nos = [a.no for a in plan.areas]
    cell: dict = defaultdict(lambda: defaultdict(lambda: [0] * 12))  # tid -> area -> months
    coord_area: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    first: dict = defaultdict(dict)
    org_area: dict = defaultdict(lambda: defaultdict(set))
    org_coord: dict = defaultdict(lambda: defaultdict(set))
    for tid, day, area, who, org, count in rows:
        m = (dt.date.fromisoformat(day).month - 4) % 12
        who = who or NO_COORDINATOR
        cell[tid][area][m] += count
        coord_area[tid][who][area] += count
        if org is not None:
            first[tid][org] = min(first[tid].get(org, 12), m)
            org_area[tid][area].add(org)
            org_coord[tid][who].add(org)
    out = {}
    for t in plan.targets():
        if t.kind is TargetKind.DISTINCT:
            src = t.source or ""
            months = [0] * 12
            for m in first[src].values():
                months[m] += 1
            out[t.id] = (
                len(first[src]),
                tuple(months),
                tuple(len(org_area[src][a]) for a in area_nos),
                tuple(len(org_coord[src][c]) for c in coords),
            )
        elif t.kind is TargetKind.PER_AREA:
            need = t.per_area_min or 1
            by_area = tuple(sum(cell[t.id][a]) for a in area_nos)
            months = [0] * 12
            for a in area_nos:
                running = 0
                for m, n in enumerate(cell[t.id][a]):
                    running += n
                    if running >= need:
                        months[m] += 1
                        break
            out[t.id] = (
                sum(1 for n in by_area if n >= need),
                tuple(months),
                by_area,
                tuple(sum(1 for n in coord_area[t.id][c].values() if n >= need) for c in coords),
            )
        else:
            months = tuple(sum(cell[t.id][a][m] for a in cell[t.id]) for m in range(12))
            out[t.id] = (
                sum(months),
                months,
                tuple(sum(cell[t.id][a]) for a in area_nos),
                tuple(sum(coord_area[t.id][c].values()) for c in coords),
            )
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_every_report_figure_equals_a_count_from_the_entries(
    db_path: Path, catalog: PlanCatalog, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Random years of entries (edits, deletions, organisations named two ways), as of days
    inside the year: the engine's report equals a count from scratch, view by view."""
    import random

    from chofu_tui.services import entries

    monkeypatch.setenv("CHOFU_TUI_TODAY", "2025-04-30")
    rng = random.Random(seed)
    plan = catalog.get(FiscalYear(2024)).plan
    loggable = [t.id for t in plan.targets() if t.loggable]
    sources = {t.source for t in plan.targets() if t.source}
    orgs = ["ひだまりサロン若葉", "ひだまりサロン 若葉 ", "自治会A", "地区協議会B", "家族会D"]
    db = open_store(db_path)
    try:
        saved = []
        for _ in range(150):
            targets = tuple(rng.sample(loggable, rng.choice([1, 1, 2])))
            org = rng.choice(orgs) if rng.random() < 0.6 or sources & set(targets) else None
            draft = entries.EntryDraft(
                targets=targets,
                date=dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(365)),
                area=rng.randrange(1, 9),
                count=rng.choice([1, 1, 2, 5]),
                organisation=org,
                coordinator=rng.choice(["佐藤", "鈴木", ""]),
            )
            saved.append(entries.log_entry(catalog, draft).entry.uuid)
        for uuid in rng.sample(saved, 15):
            entries.set_deleted(uuid, True)
        for day in (dt.date(2024, 4, 1), dt.date(2024, 9, 14), dt.date(2025, 2, 3), YEAR_END):
            report = build_report(plan, day)
            expected = _reference_rows(plan, day, report.coordinators)
            for row in report.rows:
                got = (row.actual, row.months, row.by_area, row.by_coordinator)
                assert got == expected[row.target_id], (day, row.target_id)
    finally:
        db.close()
