"""The mechanics of automatic backups (store/backups.py): retention, the check of each copy, a
backup before a migration, and a backup whose sidecar was lost."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from chofu_tui.store import backups, db
from chofu_tui.store.backups import BackupFailed, folder_for, make, to_keep
from chofu_tui.store.models import database
from tests.unit.conftest import CLI, table_dump

ADD = ("add", "awareness", "--area", "1", "--date", "2024-05-01", "--note", "サロンで啓発")


def days(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(n)]


def test_retention_keeps_the_last_14_days_and_the_first_of_each_of_12_months() -> None:
    today = dt.date(2025, 6, 30)
    names = [d.isoformat() for d in days(today - dt.timedelta(days=399), 400)]
    kept = to_keep(names, today)
    last_14 = {d.isoformat() for d in days(dt.date(2025, 6, 17), 14)}
    firsts = {f"{y}-{m:02d}-01" for y, m in [(2024, m) for m in range(7, 13)]}
    firsts |= {f"2025-{m:02d}-01" for m in range(1, 7)}
    assert kept == last_14 | firsts
    assert len(kept) == 26
    # the first of a month is the first backup there is in it, whatever its day
    sparse = ["2024-09-17", "2024-09-20", "2025-06-30"]
    assert to_keep(sparse, today) == set(sparse)
    older = ["2024-05-02", "2024-06-03", *[d.isoformat() for d in days(dt.date(2025, 6, 1), 20)]]
    assert "2024-05-02" not in to_keep(older, today)  # 13 months back
    assert "2024-06-03" not in to_keep(older, today)  # 12 months back: outside the year
    assert "2025-06-01" in to_keep(older, today)


def test_reason_made_backups_count_as_dailies_of_their_day() -> None:
    today = dt.date(2024, 10, 20)
    names = [d.isoformat() for d in days(dt.date(2024, 10, 1), 20)]
    names += ["2024-10-20T101500-merge", "2024-10-20T101600-restore", "2024-10-03T090000-merge"]
    kept = to_keep(names, today)
    assert {"2024-10-20T101500-merge", "2024-10-20T101600-restore"} <= kept  # today: all of it
    assert "2024-10-03T090000-merge" not in kept and "2024-10-03" not in kept
    assert "2024-10-01" in kept  # the month's first
    # days with only a merge backup are days like any other (14 of them are kept)
    merges = [f"{d.isoformat()}T120000-merge" for d in days(dt.date(2024, 10, 1), 20)]
    assert len(to_keep(merges, today)) == 15


def _open(tmp_path: Path) -> Path:
    from chofu_tui.store import open_store

    path = tmp_path / "s.db"
    open_store(path)
    return path


def test_making_backups_day_after_day_prunes_files_and_sidecars(tmp_path: Path) -> None:
    path = _open(tmp_path)
    try:
        for d in days(dt.date(2024, 9, 1), 45):
            make(path, database.connection(), "daily", today=d)
        make(path, database.connection(), "merge", today=dt.date(2024, 10, 15))
    finally:
        database.close()
    folder = folder_for(path)
    names = sorted(p.stem for p in folder.glob("*.db"))
    assert names == sorted(p.stem for p in folder.glob("*.json"))  # no sidecar left alone
    expected = {d.isoformat() for d in days(dt.date(2024, 10, 2), 14)}
    expected |= {"2024-09-01", "2024-10-01"}  # the first of each month
    assert set(names) - {n for n in names if "merge" in n} == expected
    assert [n for n in names if "merge" in n]  # made today: kept
    assert not [p for p in folder.iterdir() if p.name.startswith(".") and p.name != ".lock"]


def test_a_copy_that_fails_its_check_is_removed_and_the_reason_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _open(tmp_path)
    monkeypatch.setattr(backups, "_integrity", lambda con: "*** in database main *** Page 3")
    try:
        with pytest.raises(BackupFailed, match=r"integrity_check.*Page 3"):
            make(path, database.connection(), "daily", today=dt.date(2024, 10, 1))
    finally:
        database.close()
    assert [p.name for p in folder_for(path).iterdir()] == [".lock"]  # no copy, no temp file


def test_a_merge_whose_backup_fails_its_check_does_not_start(
    cli: CLI, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.db"
    assert cli(*ADD, "--db", str(other))[0] == 0
    assert cli(*ADD)[0] == 0
    before = table_dump(db_path)
    monkeypatch.setattr(backups, "_integrity", lambda con: "row 3 missing from index")
    code, _, err = cli("merge", str(other))
    assert code == 2
    assert "バックアップ" in err and "中止しました" in err and "row 3 missing" in err
    assert table_dump(db_path) == before


def test_an_existing_store_is_backed_up_at_its_old_version_before_a_migration(
    cli: CLI, db_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    for f in folder_for(db_path).iterdir():
        f.unlink()
    con = sqlite3.connect(db_path)
    con.execute("DROP TABLE evaluation")
    old = db.MIGRATIONS.index(db._v4)
    con.execute(f"PRAGMA user_version = {old}")
    con.commit()
    con.close()
    assert cli("log")[0] == 0  # a reader opens it: the upgrade, and the backup before it
    listed = cli.json("backups")
    assert [(b["why"], b["schema_version"], b["entries"]) for b in listed] == [
        ("migration", old, 1)
    ]
    assert cli("log")[0] == 0  # upgraded: no second one
    assert len(cli.json("backups")) == 1
    # the backup restores the old store, which is upgraded again
    assert cli("restore-backup", listed[0]["name"])[0] == 0
    assert len(cli.json("log")["entries"]) == 1


def test_a_new_store_makes_no_migration_backup(cli: CLI, db_path: Path) -> None:
    assert cli("log")[0] == 0
    assert not folder_for(db_path).exists()


def test_a_backup_whose_sidecar_was_lost_is_still_listed_and_restorable(
    cli: CLI, db_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    (folder_for(db_path) / "2024-10-01.json").unlink()
    (listed,) = cli.json("backups")
    assert listed["name"] == "2024-10-01" and listed["integrity"] == "不明"
    assert listed["entries"] is None
    code, out, _ = cli("backups")
    assert code == 0 and "不明" in out
    assert cli("restore-backup", "2024-10-01")[0] == 0
    assert cli.json("log")["entries"] == []


def test_the_folder_is_named_for_the_store_and_its_path(tmp_path: Path) -> None:
    a = folder_for(tmp_path / "sato.db")
    b = folder_for(tmp_path / "x" / "sato.db")
    assert a.parent.name == "backups" and a.name.startswith("sato-") and a != b
    assert folder_for(tmp_path / "y" / ".." / "sato.db") == a  # the resolved path


def test_a_sidecar_with_control_characters_is_shown_without_them(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    sidecar = folder_for(db_path) / "2024-10-01.json"
    meta = json.loads(sidecar.read_text())
    meta.update(when="2024-10-01T\x1b[31m09", integrity="bad\x1b]0;x\x07 page")
    sidecar.write_text(json.dumps(meta))
    code, out, _ = cli("backups")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "bad page" in out
