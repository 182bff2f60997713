"""Two laptops and the office database (issue 13): `sync URL` brings every laptop the team's
entries, gives the same figures as merging their files, settles edits made on both sides the
same way everywhere, and a second sync changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.pg.conftest import CLI

PROGRESS = ("progress", "--fy", "2024", "--json")


def _laptops(run, tmp_path: Path) -> tuple[CLI, CLI]:  # type: ignore[no-untyped-def]
    a, b = run(str(tmp_path / "a.db")), run(str(tmp_path / "b.db"))
    a.ok(
        "add",
        "啓発",
        "--area",
        "1",
        "--org",
        "サロンA",
        "--date",
        "2024-05-10",
        "--note",
        "Aの記録",
    )
    a.ok("add", "community-approach", "--area", "1", "--org", "自治会C", "--date", "2024-06-01")
    b.ok("add", "啓発", "--area", "2", "--count", "4", "--date", "2024-05-11", "--note", "Bの記録")
    b.ok("add", "community-approach", "--area", "2", "--org", "サロンA", "--date", "2024-07-01")
    return a, b


def test_sync_through_postgresql_equals_merging_the_files(
    run, pg_url: str, tmp_path: Path, plan_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    a, b = _laptops(run, tmp_path)
    # the figures the city would get from merging the two files by hand
    merged = run(str(tmp_path / "merged.db"))
    merged.ok("merge", a.db, b.db)
    expected = merged.json(*PROGRESS[:-1])

    a.ok("sync", pg_url)
    b.ok("sync", pg_url)
    a.ok("sync", pg_url)  # A gets what B brought to the office
    office = run(pg_url)
    for store in (office, a, b):
        assert store.json(*PROGRESS[:-1]) == expected
    log = [json.loads(s.ok("log", "--fy", "2024", "--deleted", "--json")) for s in (a, b, office)]
    assert log[0] == log[1] == log[2]
    orgs = [s.ok("orgs", "list", "--all", "--json") for s in (a, b, office)]
    assert orgs[0] == orgs[1] == orgs[2]

    # a second round brings nothing new anywhere
    again = json.loads(a.ok("sync", pg_url, "--json"))
    assert again["got_here"]["changes_new"] == 0 and again["got_there"]["changes_new"] == 0


def test_edits_of_one_entry_on_two_laptops_are_a_conflict_settled_alike_everywhere(
    run, pg_url: str, tmp_path: Path, plan_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    a, b = _laptops(run, tmp_path)
    a.ok("sync", pg_url)
    b.ok("sync", pg_url)
    a.ok("sync", pg_url)
    entry = json.loads(a.ok("log", "--json"))["entries"][0]["uuid"]
    a.ok("edit", entry, "--count", "7")
    b.ok("edit", entry, "--count", "9")
    a.ok("sync", pg_url)
    out = b.ok("sync", pg_url)
    assert "競合" in out
    a.ok("sync", pg_url)
    listed = [json.loads(s.ok("conflicts", "--json")) for s in (a, b, run(pg_url))]
    assert all(len(c["conflicts"] if isinstance(c, dict) else c) == 1 for c in listed)
    counts = {
        json.loads(s.ok("log", "--fy", "2024", "--json"))["entries"][0]["count"]
        for s in (a, b, run(pg_url))
    }
    assert len(counts) == 1  # the same winner everywhere until someone settles it
    b.ok("conflicts", "resolve", entry[:8], "--keep", "mine")
    b.ok("sync", pg_url)
    a.ok("sync", pg_url)
    for s in (a, b, run(pg_url)):
        found = json.loads(s.ok("conflicts", "--json"))
        assert not (found["conflicts"] if isinstance(found, dict) else found)
        log = json.loads(s.ok("log", "--fy", "2024", "--json"))["entries"]
        assert {e["uuid"]: e["count"] for e in log}[entry] == 9


def test_history_on_the_office_database_names_it_not_this_computer(
    run, pg_url: str, plan_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    office = run(pg_url)
    office.ok("add", "啓発", "--area", "1", "--date", "2024-05-10")
    entry = json.loads(office.ok("log", "--json"))["entries"][0]["uuid"]
    steps = json.loads(office.ok("history", entry, "--json"))["steps"]
    assert [s["device"] for s in steps] == ["事務所のデータベース"]
