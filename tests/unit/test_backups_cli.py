"""Automatic backups seen from the command line (issue 14): the daily one at the first write of
a day, one before a merge, `backups`, `restore-backup`, and read-only commands untouched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chofu_tui.store.backups import folder_for
from tests.unit.conftest import CLI, table_dump

ADD = ("add", "awareness", "--area", "1", "--date", "2024-05-01", "--note", "サロンで啓発")


def backup_files(db: Path) -> list[str]:
    folder = folder_for(db)
    return sorted(p.name for p in folder.glob("*.db")) if folder.is_dir() else []


def device_id(db: Path) -> str | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def test_the_first_write_of_a_day_makes_one_daily_backup_the_second_none(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(*ADD)[0] == 0
    assert backup_files(db_path) == ["2024-10-01.db"]
    first = (folder_for(db_path) / "2024-10-01.db").stat().st_mtime_ns
    assert cli(*ADD)[0] == 0
    assert cli("settings", "--coordinator", "石井")[0] == 0
    assert backup_files(db_path) == ["2024-10-01.db"]  # not another one, not rewritten
    assert (folder_for(db_path) / "2024-10-01.db").stat().st_mtime_ns == first
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-02")
    assert cli(*ADD)[0] == 0
    assert backup_files(db_path) == ["2024-10-01.db", "2024-10-02.db"]
    # the 2nd's backup holds the store as it was before that day's first write
    listed = {b["name"]: b for b in cli.json("backups")}
    assert listed["2024-10-02"]["entries"] == 2 and listed["2024-10-02"]["why"] == "daily"
    assert listed["2024-10-02"]["integrity"] == "ok"


def test_read_only_commands_make_none_and_work_when_backups_cannot_be_written(
    cli: CLI, db_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    folder = folder_for(db_path)
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    folder.parent.rmdir()
    folder.parent.write_text("not a folder")  # `backups/` cannot be made, even by root
    for argv in (("log",), ("progress",), ("log", "--json"), ("summary", "--month"), ("backups",)):
        code, _out, err = cli(*argv)
        assert code == 0, (argv, err)
        assert "バックアップ" not in err, argv
    # a write works too, and says (in Japanese) that today's backup could not be made
    code, _, err = cli(*ADD)
    assert code == 0
    assert "今日のバックアップを作れませんでした" in err
    assert len(cli.json("log")["entries"]) == 2


def test_read_only_commands_never_make_a_backup(cli: CLI, db_path: Path) -> None:
    assert cli("targets")[0] == 0
    assert cli(*ADD)[0] == 0
    folder = folder_for(db_path)
    for f in folder.iterdir():
        f.unlink()
    for argv in (("log",), ("progress",), ("summary", "--month"), ("check",), ("backups",)):
        assert cli(*argv)[0] == 0
    assert backup_files(db_path) == []


def test_a_merge_is_backed_up_first_and_restore_backup_gives_the_state_before(
    cli: CLI, db_path: Path, tmp_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    other = tmp_path / "other.db"
    for n in range(3):
        assert cli(*ADD, "--count", str(n + 2), "--db", str(other))[0] == 0
    before = cli.json("log")
    assert cli("merge", str(other))[0] == 0
    after = cli.json("log")
    assert len(after["entries"]) == 4
    merges = [b for b in cli.json("backups") if b["why"] == "merge"]
    assert len(merges) == 1 and merges[0]["entries"] == 1

    code, out, err = cli("restore-backup", merges[0]["name"])
    assert code == 0, err
    assert "戻しました" in out and "記録 1 件" in out
    assert cli.json("log") == before
    # the merged state was kept first, as a backup of its own
    kept = [b for b in cli.json("backups") if b["why"] == "restore"]
    assert len(kept) == 1 and kept[0]["entries"] == 4 and kept[0]["name"] in out
    assert cli("restore-backup", kept[0]["name"])[0] == 0
    assert cli.json("log") == after


def test_restore_gives_the_store_a_new_device_id(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    old = device_id(db_path)
    assert old
    name = cli.json("backups")[0]["name"]
    assert cli("restore-backup", name)[0] == 0
    assert device_id(db_path) is None  # the next save names a new one
    assert cli(*ADD)[0] == 0
    new = device_id(db_path)
    assert new and new != old


def test_a_damaged_backup_is_refused_and_the_store_is_unchanged(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    assert cli(*ADD)[0] == 0
    path = folder_for(db_path) / "2024-10-01.db"
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : 3 * page] = b"\xa5" * (2 * page)  # pages 2-3: tables' pages turned to noise
    path.write_bytes(bytes(data))
    before = table_dump(db_path)
    code, _out, err = cli("restore-backup", "2024-10-01")
    assert code == 2
    assert "壊れています" in err and "変更していません" in err
    assert table_dump(db_path) == before
    assert [b["why"] for b in cli.json("backups")] == ["daily"]  # no restore backup either


def test_a_file_that_is_not_a_database_is_refused(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    (folder_for(db_path) / "2024-10-01.db").write_bytes(b"garbage" * 1000)
    before = table_dump(db_path)
    code, _, err = cli("restore-backup", "2024-10-01.db")
    assert code == 2 and "バックアップ 2024-10-01" in err
    assert table_dump(db_path) == before


@pytest.mark.parametrize("name", ["nosuch", "../chofu", "/etc/passwd", ".lock", "2024-10-01.json"])
def test_restore_backup_of_an_unknown_name_is_refused(cli: CLI, db_path: Path, name: str) -> None:
    assert cli(*ADD)[0] == 0
    before = table_dump(db_path)
    code, _, err = cli("restore-backup", name)
    assert code == 2 and "はありません" in err
    assert table_dump(db_path) == before


def test_backups_lists_when_why_entries_integrity_size_and_name(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    code, out, _ = cli("backups")
    assert code == 0
    assert str(folder_for(db_path)) in out
    assert "毎日" in out and "正常" in out and "2024-10-01" in out and "KB" in out
    (listed,) = cli.json("backups")
    assert set(listed) >= {"name", "when", "why", "entries", "live_entries", "schema_version"}
    assert listed["size"] == (folder_for(db_path) / "2024-10-01.db").stat().st_size


def test_backups_are_owner_only_in_an_owner_only_folder_and_have_no_device_id(
    cli: CLI, db_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        assert cli(*ADD)[0] == 0
        assert cli("merge", str(db_path.with_name("none.db")))[0] == 2  # refused after backup
    finally:
        os.umask(old)
    folder = folder_for(db_path)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert folder.parent.stat().st_mode & 0o777 == 0o700
    files = [p for p in folder.iterdir() if p.name != ".lock"]
    assert len(files) == 4  # daily and merge, each with its sidecar
    for f in files:
        assert f.stat().st_mode & 0o777 == 0o600, f
    for db in folder.glob("*.db"):
        assert device_id(db) is None
        assert json.loads(db.with_suffix(".json").read_text())["integrity"] == "ok"
    assert not str(folder).startswith(str(db_path.parent))  # never beside the store


def test_the_backup_command_copy_has_no_device_id(cli: CLI, db_path: Path, tmp_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    copy = tmp_path / "copy.db"
    code, out, _ = cli("backup", str(copy))
    assert code == 0 and out.strip() == str(copy)
    assert device_id(db_path) and device_id(copy) is None
    assert table_dump(copy) == [r for r in table_dump(db_path) if r[:2] != ("setting", "device_id")]


def test_eight_processes_starting_together_make_one_backup(
    cli: CLI, db_path: Path, tmp_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    folder = folder_for(db_path)
    for f in folder.iterdir():
        f.unlink()
    env = {**os.environ, "CHOFU_TUI_TODAY": "2024-10-05"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chofu_tui", *ADD],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(8)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert backup_files(db_path) == ["2024-10-05.db"]
    assert len(cli.json("log")["entries"]) == 9
