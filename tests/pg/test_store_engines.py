"""The store tests on both engines: the same commands on a SQLite file and on a PostgreSQL
database give the same entries, the same counters and the same figures."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

import pytest

from chofu_tui.store import open_store, tallies

# (argv) of a morning's work: many kinds of target, organisations, cases, notes, months, areas
SCRIPT: list[tuple[str, ...]] = [
    ("settings", "--coordinator", "田中", "--area", "1"),
    ("add", "啓発", "--org", "サロンA", "--note", "駅前で啓発"),
    ("add", "3", "--date", "2024-05-10", "--count", "3", "--area", "2", "--org", "サロンB"),
    (
        "add",
        "community-approach",
        "啓発",
        "--org",
        "自治会C",
        "--area",
        "3",
        "--date",
        "2024-06-02",
    ),
    ("add", "community-approach", "--org", "サロンA", "--date", "2024-04-20"),
    ("add", "community-approach", "--org", "サロンA", "--date", "2024-08-20", "--area", "2"),
    ("add", "network-meeting", "--area", "4", "--date", "2024-07-01", "--org", "民生委員協議会"),
    ("add", "case-support-family", "--case", "C-0012", "--date", "2024-09-03", "--note", "訪問"),
    ("add", "case-support-family", "--case", "C-0012", "--date", "2024-09-10"),
    ("add", "case-support-family", "--date", "2024-09-12", "--coordinator", "鈴木"),
    ("add", "resident-training", "--count", "2", "--date", "2024-10-01", "--area", "5"),
]


def _uuids(cli) -> list[str]:  # type: ignore[no-untyped-def]
    data = cli.json("log", "--deleted")
    return [e["uuid"] for e in sorted(data["entries"], key=lambda e: (e["date"], e["note"]))]


def _play(cli) -> None:  # type: ignore[no-untyped-def]
    for argv in SCRIPT:
        cli.ok(*argv)
    ids = _uuids(cli)
    cli.ok("edit", ids[0], "--date", "2024-05-01", "--org", "自治会C", "--count", "2")
    cli.ok("edit", ids[2], "--area", "6", "--note", "場所を変更")
    cli.ok("delete", ids[3])
    cli.ok("delete", ids[4])
    cli.ok("restore", ids[4])
    cli.ok("evaluation", "--initiative", "hubs", "--set", "拠点の検討を始めた")


def _stable(entries: list[dict]) -> list[dict]:
    """Entries without what differs by nature between two stores (ids, clocks, devices)."""
    drop = {"uuid", "created_at", "updated_at", "device_id"}
    rows = [{k: v for k, v in e.items() if k not in drop} for e in entries]
    return sorted(rows, key=lambda e: sorted(e.items(), key=str).__repr__())


def _figures(cli, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {
        "log": _stable(cli.json("log")["entries"]),
        "log_deleted": _stable(cli.json("log", "--deleted")["entries"]),
        "evaluation": cli.json("evaluation"),
        "summary": cli.json("summary", "--month", "--date", "2024-09-15"),
    }
    for extra in ([], ["--area", "1"], ["--coordinator", "田中"], ["--as-of", "2024-07-15"],
                  ["--by", "month"], ["--by", "area"], ["--by", "coordinator"],
                  ["--as-of", "2024-09-11", "--by", "area"]):  # fmt: skip
        out["progress " + " ".join(extra)] = cli.json("progress", *extra)
    for view in ("annual", "monthly", "area", "coordinator", "notes"):
        path = tmp / f"{view}.csv"
        cli.ok("report", "--format", "csv", "--view", view, "--include-cases",
               "--include-notes", "-o", str(path), "--force")  # fmt: skip
        out[f"report {view}"] = path.read_text(encoding="utf-8-sig")
    return out


def test_the_same_work_gives_the_same_figures_on_sqlite_and_postgresql(
    run, tmp_path: Path, plan_dir: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    figures = {}
    for name, db in (("sqlite", str(tmp_path / "chofu.db")), ("postgresql", pg_url)):
        cli = run(db)
        _play(cli)
        (tmp_path / name).mkdir()
        figures[name] = _figures(cli, tmp_path / name)
    assert figures["postgresql"].keys() == figures["sqlite"].keys()
    for key in figures["sqlite"]:
        assert figures["postgresql"][key] == figures["sqlite"][key], key
    # the work really is in the figures (a comparison of two empty stores proves nothing)
    assert len(figures["sqlite"]["log"]) == 9 and len(figures["sqlite"]["log_deleted"]) == 10


def test_log_edit_delete_restore_round_trip(run, store_url: str) -> None:  # type: ignore[no-untyped-def]
    cli = run(store_url)
    cli.ok("add", "啓発", "community-approach", "--org", "サロンA", "--area", "2")
    [entry] = cli.json("log")["entries"]
    assert entry["targets"] == ["awareness", "community-approach"]  # both targets, joined
    cli.ok("edit", entry["uuid"][:8], "--count", "4", "--org", "サロンB")
    [edited] = cli.json("log")["entries"]
    assert (edited["count"], edited["organisation"]) == (4, "サロンB")
    cli.ok("delete", entry["uuid"][:8])
    assert cli.json("log")["entries"] == []
    assert cli.json("log", "--deleted")["entries"][0]["deleted"] is True
    cli.ok("restore", entry["uuid"][:8])
    [back] = cli.json("log")["entries"]
    assert back["deleted"] is False and back["count"] == 4
    figures = {t["id"]: t for t in cli.json("progress")["targets"]}
    assert figures["awareness"]["actual"] == 4
    assert figures["community-groups"]["actual"] == 1  # one organisation, the new one


def test_the_log_pages_through_entries(run, store_url: str) -> None:  # type: ignore[no-untyped-def]
    from chofu_tui.services.entries import list_entries

    cli = run(store_url)
    for day in range(1, 8):
        cli.ok("add", "啓発", "--area", "1", "--date", f"2024-06-0{day}")
    db = open_store(store_url)
    try:
        days = [e.date.day for e in list_entries(2024)]
        assert days == [7, 6, 5, 4, 3, 2, 1]
        assert [e.date.day for e in list_entries(2024, limit=3, offset=2)] == [5, 4, 3]
        assert [e.date.day for e in list_entries(2024, offset=5)] == [2, 1]  # no limit
    finally:
        db.close()


def _random_work(seed: int) -> int:
    """Writes of every kind straight through the services, as the app makes them; returns how
    many were stored (a draft the rules refuse is skipped)."""
    from chofu_tui.errors import UserError
    from chofu_tui.plan import PlanCatalog
    from chofu_tui.services import entries
    from chofu_tui.services.entry_rules import EntryDraft

    catalog = PlanCatalog()
    rng = random.Random(seed)
    ids = ["awareness", "outreach-approach", "network-meeting", "community-approach"]
    orgs = [None, "サロンA", "サロンB", "自治会C", "老人会D"]
    made: list[str] = []
    done = 0
    end = dt.date(2025, 3, 31)
    for _ in range(150):
        day = dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(365))
        roll = rng.random()
        try:
            if roll < 0.5 or not made:
                draft = EntryDraft(
                    targets=tuple(rng.sample(ids, rng.randint(1, 2))),
                    date=day,
                    area=rng.randint(1, 8),
                    count=rng.randint(1, 5),
                    organisation=rng.choice(orgs),
                    coordinator=rng.choice(["田中", "鈴木", ""]),
                )
                made.append(entries.log_entry(catalog, draft, today=end).entry.uuid)
            elif roll < 0.8:
                uuid = rng.choice(made)
                r = entries.get_entry(uuid)
                draft = EntryDraft(r.targets, r.date, r.area, r.count, r.organisation,
                                   r.case_code, r.coordinator, r.note)  # fmt: skip
                changes = rng.choice([
                    {"date": day}, {"area": rng.randint(1, 8)}, {"count": rng.randint(1, 9)},
                    {"organisation": rng.choice(orgs)}, {"targets": tuple(rng.sample(ids, 2))},
                    {"coordinator": rng.choice(["田中", "佐藤"])},
                ])  # fmt: skip
                entries.update_entry(catalog, uuid, replace(draft, **changes), today=end)
            else:
                uuid = rng.choice(made)
                entries.set_deleted(uuid, not entries.get_entry(uuid).deleted)
            done += 1
        except UserError:
            pass
    return done


@pytest.mark.parametrize("seed", [1, 2])
def test_the_counters_equal_a_count_from_scratch(store_url: str, seed: int) -> None:
    db = open_store(store_url)
    try:
        assert _random_work(seed) > 100
        kept, recounted = tallies.kept(db), tallies.recount(db)
        assert kept == recounted
        assert sum(len(rows) for rows in kept.values()) > 50
    finally:
        db.close()


def test_a_laptops_file_merges_into_the_office_database(
    run, tmp_path: Path, plan_dir: Path, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    laptop = run(str(tmp_path / "sato.db"))
    _play(laptop)
    office = run(pg_url)
    office.ok("merge", str(tmp_path / "sato.db"))
    office.ok("merge", str(tmp_path / "sato.db"))  # again: nothing new
    assert office.json("log", "--deleted") == laptop.json("log", "--deleted")
    assert office.json("progress", "--by", "area") == laptop.json("progress", "--by", "area")


def test_saves_at_once_from_two_programs_keep_the_counters_exact(
    pg_url: str, plan_dir: Path
) -> None:
    """Coordinators saving at the same moment, naming the same new organisations: every save
    is stored (none fails on the organisation another made a moment ago), and the counters'
    triggers take turns."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from chofu_tui.cli import main\n"
        "for i in range(15):\n"
        "    code = main(['add', '啓発', 'community-approach', '--org', f'サロン{i % 4}',"
        " '--area', sys.argv[1], '--date', f'2024-0{4 + i % 5}-1{i % 9}'])\n"
        "    assert code == 0, code\n"
    )
    env = {**os.environ, "CHOFU_TUI_DB": pg_url}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, area], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for area in ("1", "2", "3")
    ]  # fmt: skip
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    db = open_store(pg_url)
    try:
        assert db.execute_sql("SELECT count(*) FROM entry").fetchone()[0] == 45
        assert tallies.kept(db) == tallies.recount(db)
        before = tallies.kept(db)
        from chofu_tui.store import pg

        with db.atomic():
            pg.rebuild_counters(db)  # the repair gives the same rows
        assert tallies.kept(db) == before
    finally:
        db.close()
