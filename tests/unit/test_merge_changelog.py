"""Issue 13: merges that never undo or drop anyone's work (the change log, docs/changelog.md).

Each test here failed on the row-based merge (the later wall-clock `updated_at` wins)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.unit.conftest import CLI, table_dump


def add(cli: CLI, db: Path, *argv: str, date: str = "2024-05-01") -> str:
    return cli.json("add", *argv, "--date", date, "--db", str(db))["uuid"]


def merge(cli: CLI, into: Path, *sources: Path) -> str:
    code, out, err = cli("merge", *map(str, sources), "--db", str(into))
    assert code == 0, err
    return out


def log(cli: CLI, db: Path) -> list[dict]:
    return cli.json("log", "--fy", "2024", "--deleted", "--db", str(db))["entries"]


def entry(cli: CLI, db: Path, uuid: str) -> dict:
    return next(e for e in log(cli, db) if e["uuid"] == uuid)


def org_rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT o.uuid, o.name, o.key, m.uuid, o.created_at, o.updated_at, o.device_id"
            " FROM organisation o LEFT JOIN organisation m ON m.id = o.merged_into_id"
            " ORDER BY o.uuid"
        ).fetchall()
    finally:
        con.close()


@contextmanager
def opened(path: Path) -> Iterator[None]:
    """The services bound to the store at `path` (what the app does)."""
    from chofu_tui.store import open_store

    db = open_store(path)
    try:
        yield
    finally:
        db.close()


def org_id(name: str) -> int:
    from chofu_tui.store.models import Organisation

    return int(Organisation.get(Organisation.name == name).id)


def same(cli: CLI, a: Path, b: Path) -> None:
    assert json.dumps(log(cli, a)) == json.dumps(log(cli, b))
    assert org_rows(a) == org_rows(b)


def both_ways(cli: CLI, a: Path, b: Path) -> None:
    merge(cli, b, a)
    merge(cli, a, b)


def pinned_clock(monkeypatch: pytest.MonkeyPatch, stamp: str) -> None:
    """Every module that stamps a write sees this wall clock."""
    import importlib

    for name in ("entries", "organisations", "changes"):
        try:
            module = importlib.import_module(f"chofu_tui.services.{name}")
        except ImportError:  # (before the change log)
            continue
        monkeypatch.setattr(module, "now_stamp", lambda: stamp)


def test_an_organisation_fold_undoes_no_one_elses_work(cli: CLI, tmp_path: Path) -> None:
    """Loss 1: folding サロンX into サロンY on A re-stamped X's entries; merged both ways,
    an entry deleted on B came back and B's edit was reverted."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    gone = add(cli, a, "community-approach", "--org", "サロンX", "--area", "1")
    kept = add(cli, a, "community-approach", "--org", "サロンX", "--area", "1")
    add(cli, a, "community-approach", "--org", "サロンY", "--area", "1")
    merge(cli, b, a)
    assert cli("delete", gone, "--db", str(b))[0] == 0
    assert cli("edit", kept, "--note", "Bで直したメモ", "--db", str(b))[0] == 0
    with opened(a):
        from chofu_tui.services import organisations

        assert organisations.merge(org_id("サロンY"), org_id("サロンX")) == 2
    both_ways(cli, a, b)
    for db in (a, b):
        assert entry(cli, db, gone)["deleted"] is True
        assert entry(cli, db, kept)["note"] == "Bで直したメモ"
        assert entry(cli, db, kept)["organisation"] == "サロンY"
    same(cli, a, b)
    # the fold is one organisation change; the entries' changes are the ones made on them
    con = sqlite3.connect(a)
    ops = con.execute("SELECT kind, op FROM change WHERE op = 'fold'").fetchall()
    entry_ops = sorted(r[0] for r in con.execute("SELECT op FROM change WHERE kind = 'entry'"))
    con.close()
    assert ops == [("organisation", "fold")]
    assert entry_ops == ["create", "create", "create", "delete", "edit"]


def test_a_deletion_does_not_come_back_and_the_edit_is_a_conflict(cli: CLI, tmp_path: Path) -> None:
    """Loss 2: B edited the entry later without having seen A's deletion: it came back."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    merge(cli, b, a)
    assert cli("delete", uuid, "--db", str(a))[0] == 0
    assert cli("edit", uuid, "--note", "後から直した", "--db", str(b))[0] == 0
    out = merge(cli, b, a)
    assert "競合 1 件" in out and f"競合 {uuid[:8]}" in out
    merge(cli, a, b)
    for db in (a, b):
        assert entry(cli, db, uuid)["deleted"] is True
    same(cli, a, b)
    with opened(b):
        from chofu_tui.services import changes

        found = changes.conflicts()
        assert [(c.kind, c.record) for c in found] == [("entry", uuid)]
        assert found[0].winner.state["deleted"] is True
        # the edit stays in the log, so it can be restored: B keeps its own edit
        assert any(c.state["note"] == "後から直した" for c in changes.history("entry", uuid))
        assert found[0].mine.state["note"] == "後から直した"
        changes.resolve(uuid, "mine")
    assert entry(cli, b, uuid)["deleted"] is False
    merge(cli, a, b)
    assert entry(cli, a, uuid)["note"] == "後から直した" and not entry(cli, a, uuid)["deleted"]


def test_a_clock_in_2099_wins_only_what_it_did_not_see(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loss 3: a laptop whose clock says 2099 overrode every later correction for ever."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    merge(cli, b, a)
    with monkeypatch.context() as m:
        pinned_clock(m, "2099-01-01T00:00:00.000000Z")
        assert cli("edit", uuid, "--note", "2099年のパソコン", "--db", str(a))[0] == 0
    merge(cli, b, a)
    assert entry(cli, b, uuid)["note"] == "2099年のパソコン"
    # B saw that change and corrects it: the correction wins everywhere
    assert cli("edit", uuid, "--note", "正しいメモ", "--db", str(b))[0] == 0
    both_ways(cli, a, b)
    for db in (a, b):
        assert entry(cli, db, uuid)["note"] == "正しいメモ"
    same(cli, a, b)


def test_concurrent_edits_are_a_conflict_that_can_be_resolved(cli: CLI, tmp_path: Path) -> None:
    """Loss 4: concurrent edits of one entry: one was dropped and 「更新 1 件」 was printed."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    merge(cli, b, a)
    assert cli("edit", uuid, "--note", "Aのメモ", "--db", str(a))[0] == 0
    assert cli("edit", uuid, "--count", "3", "--db", str(b))[0] == 0
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert [c["record"] for c in report["conflicts"]] == [uuid]
    assert report["conflicts"][0]["label"].startswith(f"{uuid[:8]}  2024-05-01  啓発件数")
    merge(cli, b, a)  # reported once, not again
    with opened(a):
        from chofu_tui.services import changes

        (found,) = changes.conflicts()
        assert found.mine.state["note"] == "Aのメモ" and found.theirs.state["count"] == 3
        changes.resolve(uuid, "theirs")
        assert changes.conflicts() == []
    assert entry(cli, a, uuid)["count"] == 3 and entry(cli, a, uuid)["note"] == ""
    out = merge(cli, b, a)
    merge(cli, b, a)
    with opened(b):
        from chofu_tui.services import changes

        assert changes.conflicts() == []  # the resolution travelled
    assert "競合 0 件" in out
    same(cli, a, b)


def test_equal_timestamps_with_different_content_converge(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loss 5a: two edits with one updated_at and different content never converged."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    merge(cli, b, a)
    with monkeypatch.context() as m:
        pinned_clock(m, "2024-06-01T09:00:00.000000Z")
        assert cli("edit", uuid, "--note", "A", "--db", str(a))[0] == 0
        assert cli("edit", uuid, "--note", "B", "--db", str(b))[0] == 0
    both_ways(cli, a, b)
    merge(cli, b, a)
    same(cli, a, b)
    assert entry(cli, a, uuid)["note"] in ("A", "B")


def test_a_rename_travels(cli: CLI, tmp_path: Path) -> None:
    """Loss 5b: organisation renames never travelled, so two stores merged both ways twice
    still differed."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "community-approach", "--org", "ひだまりサロン", "--area", "1")
    merge(cli, b, a)
    with opened(a):
        from chofu_tui.services import organisations

        organisations.rename(org_id("ひだまりサロン"), "ひだまりサロン若葉")
    report = cli.json("merge", str(a), "--db", str(b))[0]
    assert report["organisations_updated"] == 1
    assert entry(cli, b, uuid)["organisation"] == "ひだまりサロン若葉"
    both_ways(cli, a, b)
    same(cli, a, b)


def _busy_day(cli: CLI, a: Path, b: Path) -> None:
    """Two laptops that shared a store, then each worked on its own."""
    shared = [add(cli, a, "awareness", "--area", str(n), "--note", f"共有{n}") for n in (1, 2, 3)]
    add(cli, a, "community-approach", "--org", "若葉会", "--area", "1")
    merge(cli, b, a)
    add(cli, a, "awareness", "--area", "4", date="2024-05-01")
    add(cli, b, "awareness", "--area", "5", date="2024-05-01")
    add(cli, b, "community-approach", "--org", "若葉 会", "--area", "2")  # same salon
    add(cli, a, "community-approach", "--org", "みどり会", "--area", "3")
    cli("delete", shared[0], "--db", str(a))
    cli("edit", shared[1], "--note", "Aで編集", "--db", str(a))
    cli("edit", shared[1], "--count", "4", "--db", str(b))
    cli("edit", shared[2], "--note", "Bで編集", "--db", str(b))


def test_a_to_b_then_b_to_a_gives_identical_stores(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _busy_day(cli, a, b)
    both_ways(cli, a, b)
    same(cli, a, b)
    assert len(log(cli, a)) == 8


def test_merging_twice_changes_nothing(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _busy_day(cli, a, b)
    merge(cli, a, b)
    before = table_dump(a)
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert table_dump(a) == before
    assert report["changes_new"] == 0
    assert (report["entries_added"], report["entries_updated"], report["entries_deleted"]) == (
        0,
        0,
        0,
    )
    assert report["entries_unchanged"] == 6 and report["conflicts"] == []


def test_merging_is_commutative(cli: CLI, tmp_path: Path) -> None:
    a, c, d = tmp_path / "a.db", tmp_path / "c.db", tmp_path / "d.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    add(cli, a, "community-approach", "--org", "若葉会", "--area", "1")
    merge(cli, c, a)
    merge(cli, d, a)
    cli("edit", uuid, "--note", "C", "--db", str(c))
    cli("delete", uuid, "--db", str(d))
    add(cli, c, "community-approach", "--org", "わかば会", "--area", "2")
    add(cli, d, "community-approach", "--org", "わかば会", "--area", "3")
    a2 = tmp_path / "a2.db"
    shutil.copy(a, a2)
    merge(cli, a, c)
    merge(cli, a, d)
    merge(cli, a2, d)
    merge(cli, a2, c)
    same(cli, a, a2)
    assert entry(cli, a, uuid)["deleted"] is True


def test_a_bad_change_late_in_the_source_changes_nothing(cli: CLI, tmp_path: Path) -> None:
    a, good, bad = tmp_path / "a.db", tmp_path / "good.db", tmp_path / "bad.db"
    add(cli, a, "awareness", "--area", "1")
    add(cli, good, "awareness", "--area", "2")
    for n in range(3):
        add(cli, bad, "awareness", "--area", str(n + 1))
    con = sqlite3.connect(bad)
    last = con.execute("SELECT max(id) FROM change").fetchone()[0]
    con.execute("UPDATE change SET state = json_set(state, '$.count', 0) WHERE id = ?", (last,))
    con.commit()
    con.close()
    before = table_dump(a)
    code, _, err = cli("merge", str(good), str(bad), "--db", str(a))
    assert code == 2 and "何も取り込んでいません" in err and "count" in err
    assert table_dump(a) == before
    # --skip-invalid: the other entries come in, that one is listed
    code, out, err = cli("merge", str(good), str(bad), "--skip-invalid", "--db", str(a))
    assert code == 0 and "取り込まなかった記録 1 件" in out and "count" in err
    assert len(log(cli, a)) == 4


def test_dry_run_reports_and_writes_nothing(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1")
    add(cli, b, "awareness", "--area", "2")
    before = table_dump(a)
    code, out, err = cli("merge", str(b), "--dry-run", "--db", str(a))
    assert code == 0, err
    assert "新規 1 件" in out and "書き込んでいません (--dry-run)" in out
    assert table_dump(a) == before


def test_edits_on_two_hand_made_copies_are_concurrent(cli: CLI, tmp_path: Path) -> None:
    """A copy made by hand keeps the replica id; the bases still tell the edits apart."""
    a = tmp_path / "a.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    copy = tmp_path / "copy.db"
    shutil.copy(a, copy)
    cli("edit", uuid, "--note", "本体で", "--db", str(a))
    cli("edit", uuid, "--note", "コピーで", "--db", str(copy))
    report = cli.json("merge", str(copy), "--db", str(a))[0]
    assert [c["record"] for c in report["conflicts"]] == [uuid]


def test_a_purged_year_is_not_brought_back(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1", date="2024-05-01")
    old = add(cli, b, "awareness", "--area", "2", date="2023-05-01")
    add(cli, b, "awareness", "--area", "3", date="2024-06-01")
    with opened(a):
        from chofu_tui.store.models import Setting

        Setting.replace(key="purged_before_fy", value="2024").execute()
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert report["purged"] == 1 and report["entries_added"] == 1
    listed = cli.json("log", "--fy", "2023", "--deleted", "--db", str(a))["entries"]
    assert listed == [] and old not in {e["uuid"] for e in log(cli, a)}


def make_v4(path: Path) -> None:
    """The store as version 4 of the program left it: no change table."""
    con = sqlite3.connect(path)
    con.execute("DROP TABLE change")
    con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()


def changes_of(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT change_id, kind, record, op, clock, base, state FROM change ORDER BY change_id"
        ).fetchall()
    finally:
        con.close()


def test_a_v4_store_migrates_with_its_rows_and_seeds(cli: CLI, tmp_path: Path) -> None:
    a = tmp_path / "a.db"
    live = add(cli, a, "community-approach", "--org", "若葉会", "--area", "1")
    gone = add(cli, a, "awareness", "--area", "2")
    cli("delete", gone, "--db", str(a))
    make_v4(a)
    before = log(cli, a)  # opening it migrates it
    con = sqlite3.connect(a)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 5
    con.close()
    assert {e["uuid"]: e["deleted"] for e in before} == {live: False, gone: True}
    seeds = changes_of(a)
    assert {(s[1], s[3], s[4], s[5]) for s in seeds} == {
        ("entry", "seed", 0, "[]"),
        ("organisation", "seed", 0, "[]"),
    }
    assert len(seeds) == 3
    state = json.loads(next(s[6] for s in seeds if s[2] == live))
    assert state["organisation"] and state["targets"] == ["community-approach"]


def test_two_laptops_with_the_same_row_seed_the_same_change(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "community-approach", "--org", "若葉会", "--area", "1")
    make_v4(a)
    shutil.copy(a, b)
    log(cli, a), log(cli, b)  # both migrate
    assert changes_of(a) == changes_of(b)
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert report["changes_new"] == 0 and report["conflicts"] == []


def test_a_v4_source_merges_into_a_v5_store(cli: CLI, tmp_path: Path) -> None:
    a, old = tmp_path / "a.db", tmp_path / "old.db"
    add(cli, a, "awareness", "--area", "1")
    shared = add(cli, old, "community-approach", "--org", "若葉会", "--area", "2")
    make_v4(old)  # a laptop still on the previous version
    before = table_dump(old)
    merge(cli, a, old)
    cli("edit", shared, "--note", "新しい版で編集", "--db", str(a))
    report = cli.json("merge", str(old), "--db", str(a))[0]
    assert table_dump(old) == before  # the source is read, never migrated
    # its seed is the row A already had: A's later edit is not undone
    assert entry(cli, a, shared)["note"] == "新しい版で編集"
    assert report["conflicts"] == []


def test_two_laptops_rows_that_differ_converge_on_the_later_one(cli: CLI, tmp_path: Path) -> None:
    """Before version 5, the later updated_at won: after the migration it still does, for
    both laptops, without a conflict to settle."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    shutil.copy(a, b)
    assert cli("edit", uuid, "--note", "Bで後から直した", "--db", str(b))[0] == 0
    make_v4(a)
    make_v4(b)
    report = cli.json("merge", str(b), "--db", str(a))[0]
    merge(cli, b, a)
    assert report["conflicts"] == [] and report["entries_updated"] == 1
    for db in (a, b):
        assert entry(cli, db, uuid)["note"] == "Bで後から直した"
        with opened(db):
            from chofu_tui.services import changes

            assert changes.conflicts() == []
    same(cli, a, b)


def test_a_deletion_before_the_upgrade_against_a_later_edit_is_a_conflict(
    cli: CLI, tmp_path: Path
) -> None:
    """Two laptops still on version 4: one deleted an entry, the other edited it later
    without having seen the deletion. After the upgrade the deletion stands, as for changes
    made since, and the edit is listed as a conflict (never dropped without a trace)."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    shutil.copy(a, b)
    assert cli("delete", uuid, "--db", str(a))[0] == 0
    assert cli("edit", uuid, "--note", "後から直した", "--db", str(b))[0] == 0
    make_v4(a)
    make_v4(b)
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert [c["record"] for c in report["conflicts"]] == [uuid]
    merge(cli, b, a)
    for db in (a, b):
        assert entry(cli, db, uuid)["deleted"] is True
        listed = cli.json("conflicts", "--db", str(db))
        conflicts = listed["conflicts"] if isinstance(listed, dict) else listed
        assert len(conflicts) == 1
    # the edit is not lost: keeping it (B's, "theirs" on A) brings the entry back with its note
    code, _, err = cli("conflicts", "resolve", uuid[:8], "--keep", "theirs", "--db", str(a))
    assert code == 0, err
    got = entry(cli, a, uuid)
    assert got["deleted"] is False and got["note"] == "後から直した"
    merge(cli, b, a)
    same(cli, a, b)


def test_folds_made_both_ways_on_two_laptops_leave_one_organisation(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    x = add(cli, a, "community-approach", "--org", "サロンX", "--area", "1")
    y = add(cli, a, "community-approach", "--org", "サロンY", "--area", "1")
    merge(cli, b, a)
    from chofu_tui.services import organisations

    with opened(a):
        organisations.merge(org_id("サロンY"), org_id("サロンX"))
    with opened(b):
        organisations.merge(org_id("サロンX"), org_id("サロンY"))
    both_ways(cli, a, b)
    same(cli, a, b)
    live = [r for r in org_rows(a) if r[3] is None]
    assert len(live) == 1  # the cycle is broken: the smaller uuid stays
    assert live[0][0] == min(r[0] for r in org_rows(a))
    names = {entry(cli, a, u)["organisation"] for u in (x, y)}
    assert names == {live[0][1]}
