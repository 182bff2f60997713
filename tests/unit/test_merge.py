"""Eight laptops into one: no duplicates, no resurrected deletions, all or nothing."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from tests.unit.conftest import CLI, table_dump


def actuals(cli: CLI, db: Path) -> dict[str, int]:
    data = cli.json("progress", "--fy", "2024", "--as-of", "2025-03-31", "--db", str(db))
    return {t["id"]: t["actual"] for t in data["targets"] if t["actual"]}


def add(cli: CLI, db: Path, *argv: str) -> str:
    return cli.json("add", *argv, "--date", "2024-05-01", "--db", str(db))["uuid"]


def test_merge_combines_without_duplicates(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "community-approach", "--org", "ひだまりサロン若葉", "--area", "1")
    add(cli, b, "community-approach", "--org", "ひだまりサロン 若葉", "--area", "2")
    add(cli, b, "hub-study", "--area", "2")
    code, out, err = cli("merge", str(b), "--db", str(a))
    assert code == 0, err
    assert "新規 2 件" in out
    want = {"awareness": 1, "community-approach": 2, "community-groups": 1, "hub-study": 1}
    assert actuals(cli, a) == want
    # the same file again changes nothing
    before = table_dump(a)
    assert cli.json("merge", str(b), "--db", str(a))[0]["entries_unchanged"] == 2
    assert table_dump(a) == before


def test_deletion_is_not_resurrected_by_an_older_copy(cli: CLI, tmp_path: Path) -> None:
    a, b, old = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "old.db"
    uuid = add(cli, a, "awareness", "--area", "1", "--count", "5")
    assert cli("backup", str(old), "--db", str(a))[0] == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    cli("delete", uuid, "--db", str(a))
    cli("merge", str(old), "--db", str(b))  # b got the entry before it was deleted
    assert actuals(cli, b) == {"awareness": 5}
    cli("merge", str(a), "--db", str(b))  # the deletion travels
    assert actuals(cli, b) == {}
    cli("merge", str(old), "--db", str(b))  # and an older copy does not bring it back
    cli("merge", str(b), "--db", str(a))
    assert actuals(cli, a) == actuals(cli, b) == {}


def test_an_organisation_merge_travels(cli: CLI, tmp_path: Path) -> None:
    from chofu_tui.services import organisations
    from chofu_tui.store import open_store

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "community-approach", "--org", "若葉ひだまりサロン", "--area", "1")
    add(cli, a, "community-approach", "--org", "ひだまりサロン若葉", "--area", "1")
    cli("merge", str(a), "--db", str(b))
    assert actuals(cli, b)["community-groups"] == 2
    db = open_store(a)
    rows = {r.name: r.id for r in organisations.list_with_counts(2024)}
    organisations.merge(rows["ひだまりサロン若葉"], rows["若葉ひだまりサロン"])
    db.close()
    cli("merge", str(a), "--db", str(b))
    assert actuals(cli, b)["community-groups"] == 1


def test_a_broken_source_changes_nothing(cli: CLI, tmp_path: Path) -> None:
    a, good, bad = tmp_path / "a.db", tmp_path / "good.db", tmp_path / "bad.db"
    add(cli, a, "awareness", "--area", "1")
    add(cli, good, "awareness", "--area", "2")
    add(cli, bad, "awareness", "--area", "3")
    con = sqlite3.connect(bad)  # a damaged row: a count the CHECK would have refused
    con.execute("PRAGMA ignore_check_constraints = 1")
    con.execute("UPDATE change SET state = json_set(state, '$.count', 0)")  # (its change log)
    con.commit()
    con.close()
    before = table_dump(a)
    code, _, err = cli("merge", str(good), str(bad), "--db", str(a))
    assert code == 2 and "壊れています" in err
    assert table_dump(a) == before
    for junk in (tmp_path / "none.db", Path(__file__)):
        code, _, err = cli("merge", str(junk), "--db", str(a))
        assert code == 2 and "Traceback" not in err
    assert table_dump(a) == before
    assert cli("merge", str(a), "--db", str(a))[0] == 2


def test_entries_no_plan_can_count_are_flagged(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1")
    add(cli, b, "awareness", "--area", "2")
    con = sqlite3.connect(b)
    con.execute("UPDATE change SET state = json_set(state, '$.area', 99)")
    con.commit()
    con.close()
    code, _, err = cli("merge", str(b), "--db", str(a))
    # issue 8: an area the plan does not have is refused like `add` refuses it
    assert code == 2 and "圏域 '99' がありません" in err
    code, _, err = cli("merge", str(tmp_path), "--db", str(a))
    assert code == 2 and "フォルダー" in err
