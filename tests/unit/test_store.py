"""The store keeps every entry safe: durable settings, owner-only files, versioned schema."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from chofu_tui.errors import StoreError
from chofu_tui.store import SCHEMA_VERSION, open_store
from tests.unit.conftest import CLI, file_digest


def test_new_store_pragmas_and_permissions(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "chofu.db"
    db = open_store(path)
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_newer_store_is_refused_and_left_alone(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE mystery (x)")
    con.execute("INSERT INTO mystery VALUES (42)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    digest = file_digest(path)
    with pytest.raises(StoreError, match="新しい版"):
        open_store(path)
    code, _, err = cli("add", "awareness", "--area", "1", "--db", str(path))
    assert code == 2 and "新しい版のプログラム" in err
    assert cli("progress", "--db", str(path))[0] == 2
    assert file_digest(path) == digest
    assert not Path(f"{path}-wal").exists()


def test_damaged_store_gets_a_message(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database at all" * 100)
    digest = file_digest(path)
    code, _, err = cli("log", "--db", str(path))
    assert code == 2 and "壊れているか" in err and "Traceback" not in err
    assert file_digest(path) == digest


def test_entries_survive_reopen(cli: CLI, db_path: Path) -> None:
    uuid = cli.json("add", "awareness", "--area", "1", "--date", "2024-05-01")["uuid"]
    con = sqlite3.connect(db_path)  # another process's view: the write is committed
    assert con.execute("SELECT count(*) FROM entry WHERE uuid = ?", (uuid,)).fetchone()[0] == 1
    con.close()


def test_count_check_holds_in_the_database(store) -> None:
    with pytest.raises(Exception, match="CHECK"):
        store.execute_sql(
            "INSERT INTO entry (uuid, date, fiscal_year, coordinator, area, count, note,"
            " created_at, updated_at, device_id, deleted)"
            " VALUES ('u', '2024-05-01', 2024, '', 1, 0, '', 't', 't', 'd', 0)"
        )


def test_device_id_is_stable(store, db_path: Path) -> None:
    from chofu_tui.services.entries import device_id

    first = device_id()
    store.close()
    open_store(db_path)
    assert device_id() == first and len(first) == 36


def test_another_programs_database_is_not_touched(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (n)")
    con.commit()
    con.close()
    digest = file_digest(path)
    code, _, err = cli("log", "--db", str(path))
    assert code == 2 and "chofu-tui のデータベースではありません" in err
    assert file_digest(path) == digest


def test_an_empty_file_becomes_an_owner_only_store(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    assert cli("add", "awareness", "--area", "1", "--date", "2024-05-01", "--db", str(path))[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_directory_that_cannot_be_written_gets_a_message(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("a file, not a folder")
    code, _, err = cli("log", "--db", str(tmp_path / "file.txt" / "x.db"), "--fy", "2024")
    assert code == 2 and "Traceback" not in err and "作成できません" in err
