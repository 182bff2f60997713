"""Issue 13: `sync TARGET` exchanges every change both ways with another store (the office's
PostgreSQL database; here another store file): one transaction per side, idempotent, and an
interrupted sync leaves both sides whole and is finished by the next one."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from tests.unit.conftest import CLI, table_dump


def add(cli: CLI, db: Path, *argv: str, date: str = "2024-05-01") -> str:
    return cli.json("add", *argv, "--date", date, "--db", str(db))["uuid"]


def everything(cli: CLI, db: Path) -> tuple[str, str]:
    """`log --json` of every year (deleted included) and `orgs list --json --all`, as bytes."""
    code, log, err = cli("log", "--since", "2000-04-01", "--deleted", "--json", "--db", str(db))
    assert code == 0, err
    code, orgs, err = cli("orgs", "list", "--all", "--json", "--fy", "2024", "--db", str(db))
    assert code == 0, err
    return log, orgs


def busy_day(cli: CLI, a: Path, b: Path) -> list[str]:
    shared = [add(cli, a, "awareness", "--area", str(n), "--note", f"共有{n}") for n in (1, 2, 3)]
    add(cli, a, "community-approach", "--org", "若葉会", "--area", "1")
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    add(cli, a, "awareness", "--area", "4", date="2023-05-01")
    add(cli, b, "awareness", "--area", "5")
    add(cli, b, "community-approach", "--org", "若葉 会", "--area", "2")  # same salon
    add(cli, a, "community-approach", "--org", "みどり会", "--area", "3")
    cli("delete", shared[0], "--db", str(a))
    cli("edit", shared[1], "--note", "Aで編集", "--db", str(a))
    cli("edit", shared[1], "--count", "4", "--db", str(b))
    cli("edit", shared[2], "--note", "Bで編集", "--db", str(b))
    cli("orgs", "rename", "みどり会", "みどりの会", "--db", str(a))
    return shared


def test_one_sync_gives_both_laptops_the_same_entries_and_organisations(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    busy_day(cli, a, b)
    assert everything(cli, a) != everything(cli, b)
    code, out, err = cli("sync", str(b), "--db", str(a))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"このパソコン ({a}) が受け取った変更: 記録 新規 2 件")
    assert "競合 1 件" in lines[0]
    there = next(line for line in lines if line.startswith(f"同期先 ({b}) が受け取った変更:"))
    assert "記録 新規 2 件" in there and "削除 1 件" in there and "団体 新規 1 件" in there
    assert everything(cli, a) == everything(cli, b)
    log = json.loads(everything(cli, a)[0])["entries"]
    assert len(log) == 8 and {e["date"][:4] for e in log} == {"2023", "2024"}


def test_a_second_sync_changes_nothing_on_either_side(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    busy_day(cli, a, b)
    assert cli("sync", str(b), "--db", str(a))[0] == 0
    before = (table_dump(a), table_dump(b))
    report = cli.json("sync", str(b), "--db", str(a))
    assert report["got_here"]["changes_new"] == 0 and report["got_there"]["changes_new"] == 0
    assert (table_dump(a), table_dump(b)) == before


def test_dry_run_reports_and_writes_nothing_on_either_side(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    busy_day(cli, a, b)
    before = (table_dump(a), table_dump(b))
    dry = cli.json("sync", str(b), "--dry-run", "--db", str(a))
    assert dry["dry_run"] is True and dry["got_here"]["entries_new"] == 2
    assert (table_dump(a), table_dump(b)) == before
    real = cli.json("sync", str(b), "--db", str(a))
    assert real["got_here"] == dry["got_here"] and real["got_there"] == dry["got_there"]


def test_killed_between_the_two_sides_both_stay_whole_and_the_next_sync_converges(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    busy_day(cli, a, b)
    b_before = table_dump(b)
    code = (
        "import os, signal, sys\n"
        "from chofu_tui.services import sync\n"
        "sync._push = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from chofu_tui.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "sync", str(b), "--db", str(a)],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert done.returncode == -9, done.stderr
    for db in (a, b):
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    assert table_dump(b) == b_before  # the other side as it was
    log_a = json.loads(everything(cli, a)[0])["entries"]
    assert len(log_a) == 8  # this side holds both sides' entries
    code_, _, err = cli("sync", str(b), "--db", str(a))
    assert code_ == 0, err
    assert everything(cli, a) == everything(cli, b)


def test_a_bad_change_refuses_both_sides_or_is_left_out_with_skip_invalid(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1")
    bad = add(cli, b, "awareness", "--area", "2")
    good = add(cli, b, "awareness", "--area", "3")
    con = sqlite3.connect(b)  # damaged by hand: a count no entry may have
    con.execute(f"UPDATE change SET state = json_set(state, '$.count', -5) WHERE record = '{bad}'")
    con.commit()
    con.close()
    before = (table_dump(a), table_dump(b))
    code, _, err = cli("sync", str(b), "--db", str(a))
    assert code == 2 and "エラー" in err
    assert (table_dump(a), table_dump(b)) == before
    code, out, err = cli("sync", str(b), "--skip-invalid", "--db", str(a))
    assert code == 0, err
    assert bad[:8] in err and "取り込まなかった記録 1 件" in out
    uuids = {e["uuid"] for e in json.loads(everything(cli, a)[0])["entries"]}
    assert good in uuids and bad not in uuids


def test_a_target_it_cannot_use_exits_2_and_changes_nothing(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "awareness", "--area", "1")
    before = table_dump(db_path)
    for target, words in (
        (str(db_path.parent / "typo.db"), "ありません"),
        (str(db_path), "自身"),
        (str(db_path.parent), "フォルダー"),
        # an office database whose server is not running (a socket folder with no server)
        (f"postgresql://chofu@/chofu?host={db_path.parent}", "サーバーに接続できません"),
    ):
        code, _, err = cli("sync", target)
        assert code == 2 and words in err, (target, err)
    assert table_dump(db_path) == before
    assert not (db_path.parent / "typo.db").exists()


def test_the_app_store_is_bound_again_after_a_sync(cli: CLI, tmp_path: Path) -> None:
    from chofu_tui.services import sync
    from chofu_tui.store import open_store
    from chofu_tui.store.models import Entry, database

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1")
    add(cli, b, "awareness", "--area", "2")
    db = open_store(a)
    try:
        sync.sync(str(b))
        assert database.obj is db and Entry.select().count() == 2
        with pytest.raises(UserError):  # a StoreError: no server behind that socket folder
            sync.sync(f"postgresql://chofu@/chofu?host={tmp_path}")
        assert database.obj is db
    finally:
        db.close()


def test_a_target_given_as_a_sqlite_url_and_a_version_4_store(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    mine = add(cli, a, "awareness", "--area", "1")
    theirs = add(cli, b, "awareness", "--area", "2")
    con = sqlite3.connect(b)  # as version 4 left it: no change log yet
    con.execute("DROP TABLE change")
    con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()
    code, _, err = cli("sync", f"sqlite:///{b}", "--db", str(a))
    assert code == 0, err
    for db in (a, b):
        uuids = {e["uuid"] for e in json.loads(everything(cli, db)[0])["entries"]}
        assert uuids == {mine, theirs}
    assert everything(cli, a) == everything(cli, b)


def test_many_bad_changes_name_a_few_and_the_refusal_names_no_other_command(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "awareness", "--area", "1")
    for _ in range(25):
        add(cli, b, "awareness", "--area", "2")
    con = sqlite3.connect(b)
    con.execute("UPDATE change SET state = json_set(state, '$.count', -5)")
    con.commit()
    con.close()
    code, _, err = cli("sync", str(b), "--db", str(a))
    assert code == 2 and "--skip-invalid" in err and "chofu-tui merge" not in err
    code, _, err = cli("sync", str(b), "--skip-invalid", "--db", str(a))
    assert code == 0, err
    listed = [line for line in err.splitlines() if line.startswith("  ") and ": " in line]
    assert len(listed) == 20 and "ほか 5 件" in err
