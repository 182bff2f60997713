"""The kept counters (store/tallies.py) always equal a count from scratch, whatever is written."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from peewee import SqliteDatabase, fn

from chofu_tui.plan import PlanCatalog, TargetKind
from chofu_tui.services import entries, organisations
from chofu_tui.services.merge import merge_store
from chofu_tui.services.progress import approached_monthly, monthly, progress_for, tallies
from chofu_tui.store import SCHEMA_VERSION, changelog, open_store
from chofu_tui.store import tallies as kept_tallies
from chofu_tui.store.db import MIGRATIONS
from chofu_tui.store.models import Entry, EntryTarget, Organisation, Setting, database

ORGS = [
    "ひだまりサロン若葉",
    "ひだまりサロン 若葉 ",
    "自治会A",
    "地区協議会B",
    "当事者会C",
    "家族会D",
]
PEOPLE = ["佐藤", "鈴木", ""]


def reference_tallies(
    fiscal_year: int,
    area: int | None = None,
    coordinator: str | None = None,
    until: dt.date | None = None,
):
    """The figures counted straight from the entries (the code before the counters)."""
    conds = [Entry.fiscal_year == fiscal_year, Entry.deleted == False]
    if until is not None:
        conds.append(Entry.date <= until)
    if area is not None:
        conds.append(Entry.area == area)
    if coordinator:
        conds.append(Entry.coordinator == coordinator)
    sums: dict = defaultdict(dict)
    orgs: dict = defaultdict(dict)
    base = Entry.select().join(EntryTarget, on=(EntryTarget.entry == Entry.id)).where(*conds)
    rows = base.select(
        EntryTarget.target_id,
        Entry.area,
        fn.SUM(Entry.count),
        fn.COUNT(fn.DISTINCT(Entry.organisation)),
    ).group_by(EntryTarget.target_id, Entry.area)
    for tid, a, total, n in rows.tuples():
        sums[tid][a] = int(total)
        orgs[tid][a] = int(n)
    totals = base.select(EntryTarget.target_id, fn.COUNT(fn.DISTINCT(Entry.organisation)))
    total_orgs = {tid: int(n) for tid, n in totals.group_by(EntryTarget.target_id).tuples()}
    return dict(sums), dict(orgs), total_orgs


def reference_approached(plan) -> dict[str, list[int]]:
    """Organisations approached in each month, counted straight from the entries."""
    month = fn.substr(Entry.date, 6, 2)
    rows = (
        Entry.select(EntryTarget.target_id, month, fn.COUNT(fn.DISTINCT(Entry.organisation)))
        .join(EntryTarget, on=(EntryTarget.entry == Entry.id))
        .where(Entry.fiscal_year == plan.fy.year, Entry.deleted == False)
        .group_by(EntryTarget.target_id, month)
        .tuples()
    )
    orgs: dict = defaultdict(lambda: [0] * 12)
    for tid, m, n in rows:
        orgs[tid][(int(m) - 4) % 12] = int(n)
    return {
        t.id: list(orgs[t.source or ""]) for t in plan.targets() if t.kind is TargetKind.DISTINCT
    }


def reference_monthly(plan) -> dict[str, list[int]]:
    """The monthly figures counted straight from the entries, one definition (the report's):
    count, the month's sum; distinct, organisations first reached that month; per_area, the
    areas that reached the minimum that month."""
    rows = (
        Entry.select(EntryTarget.target_id, Entry.date, Entry.area, Entry.organisation, Entry.count)
        .join(EntryTarget, on=(EntryTarget.entry == Entry.id))
        .where(Entry.fiscal_year == plan.fy.year, Entry.deleted == False)
        .order_by(Entry.date)
        .tuples()
    )
    sums: dict = defaultdict(lambda: [0] * 12)
    area_months: dict = defaultdict(lambda: defaultdict(lambda: [0] * 12))
    first: dict = defaultdict(dict)
    for tid, day, area, org, count in rows:
        m = (dt.date.fromisoformat(str(day)).month - 4) % 12
        sums[tid][m] += count
        area_months[tid][area][m] += count
        if org is not None:
            first[tid][org] = min(first[tid].get(org, 12), m)
    out = {}
    for t in plan.targets():
        months = [0] * 12
        if t.kind is TargetKind.DISTINCT:
            for m in first[t.source or ""].values():
                months[m] += 1
        elif t.kind is TargetKind.PER_AREA:
            need = t.per_area_min or 1
            for a in (a.no for a in plan.areas):
                running = 0
                for m, n in enumerate(area_months[t.id][a]):
                    running += n
                    if running >= need:
                        months[m] += 1
                        break
        else:
            months = list(sums[t.id])
        out[t.id] = months
    return out


ROLLUPS = {
    "tally_area",
    "tally_month",
    "tally_area_month",
    "tally_org_area",
    "tally_org_month",
    "tally_orgs",
    "tally_first",
}


def assert_exact(db: SqliteDatabase, plan) -> None:
    kept, counted = kept_tallies.kept(db), kept_tallies.recount(db)
    # every counter table, the schema version 3 roll-ups included, row for row
    assert set(kept) == {"tally", "tally_org", *ROLLUPS}
    assert kept == counted
    for fy in (2023, 2024, 2025):
        for area, who in ((None, None), (2, None), (None, "佐藤"), (3, "鈴木")):
            got = tallies(fy, area, who)
            assert (dict(got[0]), dict(got[1]), got[2]) == reference_tallies(fy, area, who)
    # as of a day inside the year: whole months from the counters, the rest from the entries
    for until in UNTIL:
        for area, who in ((None, None), (4, None), (None, "鈴木")):
            got = tallies(2024, area, who, until)
            assert (dict(got[0]), dict(got[1]), got[2]) == reference_tallies(2024, area, who, until)
    assert monthly(plan) == reference_monthly(plan)
    assert approached_monthly(plan) == reference_approached(plan)


UNTIL = [
    dt.date(2024, 3, 31),  # before the year: nothing
    dt.date(2024, 4, 1),
    dt.date(2024, 8, 31),
    dt.date(2024, 11, 15),
    dt.date(2025, 1, 1),
    dt.date(2025, 3, 30),
    dt.date(2025, 3, 31),  # the last day: the whole year
]


@pytest.fixture(autouse=True)
def _today_after_the_drafts(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    # the drafts reach 2025-04-01 and a date after "today" is refused (db_path pins today)
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2025-04-30")


def random_draft(rng: random.Random, loggable: list[str], sources: set[str]):
    targets = tuple(rng.sample(loggable, rng.choice([1, 1, 2, 3])))
    org = rng.choice(ORGS) if rng.random() < 0.6 or sources & set(targets) else None
    # mostly 令和6年度, some across the year's edges so edits move entries between years
    day = rng.choice(
        [dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(365))] * 4
        + [dt.date(2024, 3, 31), dt.date(2025, 4, 1)]
    )
    return entries.EntryDraft(
        targets=targets,
        date=day,
        area=rng.randrange(1, 9),
        count=rng.choice([1, 1, 2, 5]),
        organisation=org,
        coordinator=rng.choice(PEOPLE),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_equal_a_recount_after_any_writes(store, catalog: PlanCatalog, seed: int) -> None:
    rng = random.Random(seed)
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    loggable = [t.id for t in plan.targets() if t.loggable]
    sources = {t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT}
    snapshots: list[entries.EntryRecord] = []
    uuids: list[str] = []
    for step in range(160):
        op = rng.random()
        if op < 0.4 or not uuids:
            saved = entries.log_entry(catalog, random_draft(rng, loggable, sources))
            uuids.append(saved.entry.uuid)
        elif op < 0.6:
            uuid = rng.choice(uuids)
            snapshots.append(entries.get_entry(uuid))
            entries.update_entry(catalog, uuid, random_draft(rng, loggable, sources))
        elif op < 0.75:
            record = entries.get_entry(rng.choice(uuids))
            snapshots.append(record)
            entries.set_deleted(record.uuid, not record.deleted)
        elif op < 0.87 and snapshots:
            entries.restore_snapshot(rng.choice(snapshots))
        elif op < 0.95:
            live = [o.id for o in Organisation.select().where(Organisation.merged_into.is_null())]
            if len(live) >= 2:
                keep, gone = rng.sample(live, 2)
                organisations.merge(keep, gone)
        else:
            # a row removed outright (the program leaves tombstones; the counters must cope)
            uuid = uuids.pop(rng.randrange(len(uuids)))
            snapshots = [s for s in snapshots if s.uuid != uuid]
            Entry.delete().where(Entry.uuid == uuid).execute()
        if step % 20 == 19:
            assert_exact(store, plan)
    assert_exact(store, plan)
    # the roll-ups were exercised (the comparison above is not of empty tables)
    assert all(kept_tallies.kept(store)[table] for table in ROLLUPS)
    # and rebuild() gives the very same rows
    before = kept_tallies.kept(store)
    with database.atomic():
        kept_tallies.rebuild(store)
    assert kept_tallies.kept(store) == before


def test_counters_follow_a_merged_store(store, catalog: PlanCatalog, tmp_path: Path) -> None:
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    rng = random.Random(9)
    loggable = [t.id for t in plan.targets() if t.loggable]
    sources = {t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT}
    mine = [entries.log_entry(catalog, random_draft(rng, loggable, sources)) for _ in range(20)]
    store.close()
    other = tmp_path / "other.db"
    db = open_store(other)
    try:
        for _ in range(20):
            entries.log_entry(catalog, random_draft(rng, loggable, sources))
    finally:
        db.close()
    db = open_store(store.database)
    try:
        merge_store(other)
        entries.set_deleted(mine[0].entry.uuid, True)
        assert_exact(db, plan)
    finally:
        db.close()


def make_v1_store(path: Path, catalog: PlanCatalog) -> None:
    """A store as version 1 of the program left it: no counter tables, no triggers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    database.initialize(db)
    db.connect()
    MIGRATIONS[0](db)
    db.execute_sql("PRAGMA user_version = 1")
    # today's services write the change log too: give them its table, dropped again below
    for statement in changelog.DDL:
        db.execute_sql(statement)
    Setting.create(key="device_id", value="v1-laptop")
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    rng = random.Random(5)
    loggable = [t.id for t in plan.targets() if t.loggable]
    sources = {t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT}
    uuids = [
        entries.log_entry(catalog, random_draft(rng, loggable, sources)).entry.uuid
        for _ in range(60)
    ]
    for uuid in uuids[::7]:
        entries.set_deleted(uuid, True)
    db.execute_sql("DROP TABLE change")
    db.close()


def test_a_v1_store_opens_with_the_same_figures(tmp_path: Path, catalog: PlanCatalog) -> None:
    path = tmp_path / "v1.db"
    make_v1_store(path, catalog)
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'tally'").fetchall()
    con.close()
    # the figures as version 1 counted them, straight from the entries
    db = SqliteDatabase(str(path))
    database.initialize(db)
    before = {fy: reference_tallies(fy) for fy in (2023, 2024, 2025)}
    before_months = reference_monthly(plan)
    db.close()

    db = open_store(path)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        for fy, want in before.items():
            got = tallies(fy)
            assert (dict(got[0]), dict(got[1]), got[2]) == want
        assert monthly(plan) == before_months
        as_of = dt.date(2025, 3, 31)
        figures = {t.target.id: t.actual for t in progress_for(plan, as_of).targets}
        assert figures["community-groups"] == before[2024][2].get("community-approach", 0)
        # and the counters keep up with what is written after the upgrade
        entries.log_entry(
            catalog,
            entries.EntryDraft(
                targets=("community-approach",), date=as_of, area=1, organisation="新しい会"
            ),
        )
        assert_exact(db, plan)
    finally:
        db.close()


def test_a_v2_store_migrates_to_the_roll_ups(tmp_path: Path, catalog: PlanCatalog) -> None:
    """A store of schema version 2 (no roll-ups) gets them filled from its entries, in the
    same figures, and they keep up with what is written after the upgrade."""
    path = tmp_path / "v2.db"
    make_v1_store(path, catalog)
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    db = SqliteDatabase(str(path), pragmas={"foreign_keys": 1})
    database.initialize(db)
    with db.atomic():
        MIGRATIONS[1](db)
        db.execute_sql("PRAGMA user_version = 2")
    before = {fy: reference_tallies(fy) for fy in (2023, 2024, 2025)}
    before_months = reference_monthly(plan)
    db.close()
    con = sqlite3.connect(path)
    assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'tally_first'").fetchall()
    con.close()

    db = open_store(path)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
        assert all(kept_tallies.kept(db)[table] for table in ROLLUPS)
        for fy, want in before.items():
            got = tallies(fy)
            assert (dict(got[0]), dict(got[1]), got[2]) == want
        assert monthly(plan) == before_months
        assert_exact(db, plan)
        rng = random.Random(11)
        loggable = [t.id for t in plan.targets() if t.loggable]
        sources = {t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT}
        for _ in range(10):
            entries.log_entry(catalog, random_draft(rng, loggable, sources))
        assert_exact(db, plan)
    finally:
        db.close()


def test_an_organisation_first_reached_later_moves_its_month(store, catalog: PlanCatalog) -> None:
    """tally_first follows an organisation's first month as entries come and go."""
    plan = catalog.get(catalog.latest()).plan  # type: ignore[arg-type]
    source = next(t.source for t in plan.targets() if t.kind is TargetKind.DISTINCT)
    assert source
    fy = plan.fy.year

    def draft(day: dt.date, org: str = "自治会A") -> entries.EntryDraft:
        return entries.EntryDraft(targets=(source,), date=day, area=1, organisation=org)

    def firsts() -> list[tuple]:
        return [r[1:] for r in kept_tallies.first_months(store, fy, [source])]

    june = entries.log_entry(catalog, draft(dt.date(fy, 6, 10))).entry.uuid
    assert firsts() == [(2, 1)]  # 6月 is fiscal month 2
    may = entries.log_entry(catalog, draft(dt.date(fy, 5, 1))).entry.uuid
    assert firsts() == [(1, 1)]
    entries.log_entry(catalog, draft(dt.date(fy, 5, 20), "家族会D"))
    assert firsts() == [(1, 2)]
    entries.set_deleted(may, True)
    assert firsts() == [(1, 1), (2, 1)]
    entries.set_deleted(june, True)
    assert firsts() == [(1, 1)]
    assert_exact(store, plan)
