"""Opening the SQLite store: permissions, pragmas, schema version and migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

from peewee import SqliteDatabase

from chofu_tui.errors import StoreError
from chofu_tui.store import tallies
from chofu_tui.store.models import MODELS, Setting, database

# Each migration takes the store from version i to i + 1; never edit one that has shipped.
Migration = Callable[[SqliteDatabase], None]


def _v1(db: SqliteDatabase) -> None:
    db.create_tables(MODELS)


def _v2(db: SqliteDatabase) -> None:
    # Counters kept by triggers, so a year's figures are read from a few hundred rows
    # instead of recounted from every entry after each save (issue 5).
    tallies.create(db)


MIGRATIONS: list[Migration] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: a save survives a power cut, not only a crash
    "foreign_keys": 1,
    "busy_timeout": 5000,
    # 16 MB of page cache (SQLite's default is 2 MB): a year of entries stays in memory, so
    # the entry log reads it from there each time it opens (issue 5)
    "cache_size": -16000,
}


def _inspect(path: Path) -> int:
    """The schema version of an existing file, read without changing a byte of it."""
    if not path.is_file():
        raise StoreError(f"{path} はファイルではありません", "not a file")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"データベース {path} を開けません (壊れているか、データベースではありません): {exc}",
            "damaged or not a database",
        ) from None
    if version == 0 and tables and not tables & {"entry", "organisation"}:
        # Some other program's database: never add our tables to it.
        raise StoreError(
            f"{path} は chofu-tui のデータベースではありません。別のファイルを指定してください",
            "not a chofu-tui database",
        )
    return int(version)


def open_store(path: Path) -> SqliteDatabase:
    """Open (creating if needed, owner-only) and migrate the store; bind the models to it."""
    path = Path(path).expanduser()
    if path.exists():
        version = _inspect(path)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"データベース {path} は新しい版のプログラムで作られています "
                f"(スキーマ {version} > {SCHEMA_VERSION})。プログラムを更新してください。"
                "データベースは変更していません",
                "database is newer than this program",
            )
        if version == 0:
            with contextlib.suppress(OSError):
                path.chmod(0o600)  # an empty file we are about to make a store of
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Create it owner-only before SQLite does: its -wal and -shm files copy this mode.
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(
                f"データベース {path} を作成できません: {exc.strerror}", "cannot create database"
            ) from None
    # IMMEDIATE: a write takes the lock when it begins, so two writers wait (busy_timeout)
    # instead of failing with "database is locked" halfway through.
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        _migrate(db)
    except Exception as exc:
        db.close()
        if isinstance(exc, StoreError):
            raise
        raise StoreError(
            f"データベース {path} を開けません: {exc}", "cannot open database"
        ) from exc
    return db


def _migrate(db: SqliteDatabase) -> None:
    version = db.execute_sql("PRAGMA user_version").fetchone()[0]
    for index in range(version, SCHEMA_VERSION):
        with db.atomic():
            MIGRATIONS[index](db)
            db.execute_sql(f"PRAGMA user_version = {index + 1}")
    with db.atomic():
        Setting.insert(key="device_id", value=str(uuid.uuid4())).on_conflict_ignore().execute()


def schema_version(db: SqliteDatabase) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])
