"""Opening the SQLite store: permissions, pragmas, schema version and migrations.

Opening an existing store writes nothing: a file is looked at (read-only, without pragmas)
before it is connected to, so another program's database is refused with not one byte
changed; a store at the current version is used as it is; only creating or upgrading one
writes, inside one write transaction. Readers (log, progress, report) never take the write
lock, so they work while another program writes, and on a store they may not write to.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from peewee import SqliteDatabase

from chofu_tui.errors import DISK_FULL_MESSAGE, StoreError, UserError, storage_error
from chofu_tui.paths import make_private_dir
from chofu_tui.store import changelog, cipher, tallies
from chofu_tui.store.backups import before_migration
from chofu_tui.store.models import MODELS, Setting, database

# Each migration takes the store from version i to i + 1; never edit one that has shipped.
Migration = Callable[[SqliteDatabase], None]


def _v1(db: SqliteDatabase) -> None:
    db.create_tables(MODELS)


def _v2(db: SqliteDatabase) -> None:
    # Counters kept by triggers, so a year's figures are read from a few hundred rows
    # instead of recounted from every entry after each save (issue 5).
    tallies.create(db)


def _v3(db: SqliteDatabase) -> None:
    # Roll-ups of the counters without the coordinator and month keys (by area, by month,
    # organisations by area and by first month), so the usual figures read a few rows per
    # target however many years of entries the store holds (issue 10).
    tallies.create_rollups(db)


def _v4(db: SqliteDatabase) -> None:
    # 評価・課題 per year and initiative (issue 11). Written out, not from the model, so that
    # this step stays what it was when the model changes.
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS evaluation ("
        " id INTEGER NOT NULL PRIMARY KEY,"
        " uuid TEXT NOT NULL UNIQUE,"
        " fiscal_year INTEGER NOT NULL,"
        " initiative_id TEXT NOT NULL,"
        " text TEXT NOT NULL DEFAULT '',"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " device_id TEXT NOT NULL)"
    )
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS evaluation_fiscal_year_initiative_id"
        " ON evaluation (fiscal_year, initiative_id)"
    )


def _v5(db: SqliteDatabase) -> None:
    # The change log (issues 13 and 14): every record's changes, seeded from its rows as they
    # are, so merges exchange changes instead of rows and every entry has a history.
    changelog.create(db.connection())


MIGRATIONS: list[Migration] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
# The tables each version adds: a file that claims a version but lacks its tables is not ours.
VERSION_TABLES: dict[int, frozenset[str]] = {
    1: frozenset({"organisation", "entry", "entry_target", "setting"}),
    2: frozenset({"tally", "tally_org"}),
    3: frozenset(
        {"tally_area", "tally_month", "tally_area_month", "tally_org_area", "tally_org_month"}
        | {"tally_orgs", "tally_first"}
    ),
    4: frozenset({"evaluation"}),
    5: frozenset({"change"}),
}

# How long a write waits for another program's write to finish before giving up.
BUSY_TIMEOUT_S = 5.0

# Applied to every connection, reader or writer (none of them writes).
READ_PRAGMAS = {
    "foreign_keys": 1,
    # 16 MB of page cache (SQLite's default is 2 MB): a year of entries stays in memory, so
    # the entry log reads it from there each time it opens (issue 5)
    "cache_size": -16000,
}
# A writer's connection (which also switches the store to WAL, so readers never wait for it:
# see _use_wal).
PRAGMAS = {
    "synchronous": 2,  # FULL: a save survives a power cut, not only a crash
    **READ_PRAGMAS,
}

_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_READONLY_CODE = 8  # SQLITE_READONLY (and its extended codes)
_CANTOPEN_CODE = 14


def locked_error(path: Path) -> StoreError:
    # Short enough for the entry form's three lines at 80 columns (the path is in --db).
    return StoreError(
        f"別のプログラム (ほかの chofu-tui の画面やコマンド) がデータベースに書き込み中で、"
        f"{BUSY_TIMEOUT_S:g} 秒待っても終わらないため保存していません。"
        "少し待ってもう一度やり直すか、ほかの chofu-tui を閉じてください",
        "database is locked by another program",
    )


class ReadOnlyStoreError(StoreError):
    """The store (its file, or its folder for -wal and -shm) may not be written by us."""


def readonly_error(path: Path) -> StoreError:
    return ReadOnlyStoreError(
        f"データベース {path} に書き込めません: ファイルかフォルダー {path.parent} に"
        "書き込む権限がありません (読み取り専用)。閲覧 (log・progress・report) はできます",
        "database is read-only",
    )


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 error behind `exc` (peewee wraps it as its own exception's first arg)."""
    seen: list[BaseException] = [exc]
    for e in seen:
        if isinstance(e, sqlite3.Error):
            return e
        seen.extend(
            x
            for x in (*getattr(e, "args", ())[:1], e.__cause__, e.__context__)
            if isinstance(x, BaseException) and x not in seen
        )
    return None


def _code(exc: BaseException) -> int | None:
    err = _sqlite_error(exc)
    code = getattr(err, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _is_busy(exc: BaseException) -> bool:
    return _code(exc) in _BUSY_CODES or "database is locked" in str(exc)


def _is_readonly(exc: BaseException) -> bool:
    return _code(exc) == _READONLY_CODE or "readonly database" in str(exc)


class Store(SqliteDatabase):
    """peewee's SQLite database, reporting a lock held too long or a read-only store as one
    StoreError wherever it surfaces (connecting, migrating, beginning, writing, committing)."""

    def __init__(self, path: Path, database: str, **kwargs: Any) -> None:
        self.path = path
        super().__init__(database, **kwargs)

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            if _is_busy(exc):
                raise locked_error(self.path) from exc
            if _is_readonly(exc):
                raise readonly_error(self.path) from exc
            raise

    def connect(self, reuse_if_open: bool = False) -> bool:
        with self._plain_errors():
            return bool(super().connect(reuse_if_open))

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        with self._plain_errors():
            return super().execute_sql(sql, params)

    def begin(self, lock_type: str | None = None) -> None:
        with self._plain_errors():
            super().begin(lock_type)

    def commit(self) -> None:
        with self._plain_errors():
            super().commit()


def _create(path: Path, create_folder: bool) -> None:
    """Create an empty owner-only file for a new store (its -wal and -shm copy this mode)."""
    folder = path.parent
    if not folder.is_dir():
        if folder.exists() or not create_folder:
            # A mistyped --db must not leave folders and an empty store behind.
            what = "フォルダーではありません" if folder.exists() else "がありません"
            raise StoreError(
                f"データベース {path} を作成できません: フォルダー {folder} {what}。"
                "パスを確かめるか、先にフォルダーを作ってください。何も作成していません",
                "folder does not exist",
            )
        try:
            make_private_dir(folder)  # only the default data folder gets here
        except OSError as exc:
            raise StoreError(
                f"データのフォルダー {folder} を作成できません: {exc.strerror}",
                "cannot create data folder",
            ) from None
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass  # another start made it a moment ago: open that one
    except PermissionError:
        raise StoreError(
            f"データベース {path} を作成できません: フォルダー {folder} に書き込む権限がありません",
            "folder is not writable",
        ) from None
    except OSError as exc:
        raise StoreError(
            f"データベース {path} を作成できません: {exc.strerror}", "cannot create database"
        ) from None


def _damaged(path: Path, why: object) -> StoreError:
    return StoreError(
        f"データベース {path} を開けません (壊れているか、データベースではありません): {why}",
        "damaged or not a database",
    )


def _inspect(path: Path) -> int:
    """The schema version of an existing file, read without changing a byte of it or
    creating anything beside it; raises StoreError for a file that must not be opened."""
    if not path.is_file():
        raise StoreError(f"{path} はファイルではありません", "not a file")
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except PermissionError:
        raise StoreError(
            f"データベース {path} を読む権限がありません。ファイルの持ち主と権限を確かめてください",
            "permission denied",
        ) from None
    except OSError as exc:
        raise StoreError(
            f"データベース {path} を読めません: {exc.strerror}", "cannot read database"
        ) from None
    if not header:
        return 0  # an empty file: a store about to be made (by us or by a start beside us)
    if not header.startswith(_SQLITE_MAGIC):
        raise _damaged(path, "SQLite のファイルではありません")
    # A WAL-mode file with no -wal/-shm has no writer: read it as immutable, which creates
    # no -wal/-shm. Otherwise mode=ro first, which sees a writer's committed changes.
    wal_mode = len(header) > 18 and header[18] == 2
    live = any(Path(f"{path}{s}").exists() for s in ("-wal", "-shm"))
    ro, immutable = "mode=ro", "mode=ro&immutable=1"
    queries = (immutable, ro) if wal_mode and not live else (ro, immutable)
    try:
        version, tables = _read_schema(path, queries[0])
    except sqlite3.DatabaseError:
        # A writer came and went while we read, or a folder we cannot write: look again.
        try:
            version, tables = _read_schema(path, queries[1])
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise locked_error(path) from None
            raise _damaged(path, exc) from None
    if version > SCHEMA_VERSION:
        raise _newer(path, version)
    if not _looks_ours(version, tables):
        # Some other program's database: never add our tables to it, never switch it to WAL.
        raise StoreError(
            f"{path} は chofu-tui のデータベースではありません。別のファイルを指定してください。"
            "ファイルは変更していません",
            "not a chofu-tui database",
        )
    return version


def _read_schema(path: Path, query: str) -> tuple[int, set[str]]:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True)
    try:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    return version, tables


def _looks_ours(version: int, tables: set[str]) -> bool:
    if version == 0:
        return not tables or bool(tables & {"entry", "organisation"})
    need = frozenset().union(*(VERSION_TABLES[v] for v in range(1, version + 1)))
    return need <= tables


def _newer(path: Path, version: int) -> StoreError:
    return StoreError(
        f"データベース {path} は新しい版のプログラムで作られています "
        f"(スキーマ {version} > {SCHEMA_VERSION})。プログラムを更新してください。"
        "データベースは変更していません",
        "database is newer than this program",
    )


def _connect(path: Path, *, readonly: bool) -> Store:
    if not readonly:
        # IMMEDIATE: a write takes the lock when it begins, so two writers wait
        # (BUSY_TIMEOUT_S) instead of failing with "database is locked" halfway through.
        db = Store(
            path,
            str(path),
            pragmas=PRAGMAS,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
            lock_type="IMMEDIATE",
        )
        db.connect()
        try:
            _use_wal(db)
        except BaseException:
            db.close()
            raise
        return db
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        # A plain connection that never writes: the last one to close tidies -wal and -shm.
        db = Store(path, str(path), pragmas=READ_PRAGMAS, timeout=BUSY_TIMEOUT_S,
                   check_same_thread=False)  # fmt: skip
        db.connect()
        return db
    # A store we may not write (file 0400, read-only folder or media). In a read-only
    # folder SQLite cannot make the -shm a WAL reader needs: read the file as immutable.
    uri = path.resolve().as_uri()
    try:
        return _connect_uri(path, f"{uri}?mode=ro")
    except Exception as exc:
        if _code(exc) not in (_READONLY_CODE, _CANTOPEN_CODE):
            raise
    return _connect_uri(path, f"{uri}?mode=ro&immutable=1")


def _use_wal(db: Store) -> None:
    """Switch the store to WAL (a no-op, and no lock, once it is). While several first starts
    switch a new store at once, SQLite answers "locked" at once instead of waiting: retry."""
    conn = db.connection()
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = wal").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                with db._plain_errors():
                    raise
            if time.monotonic() > deadline:
                raise locked_error(db.path) from exc
            time.sleep(0.02)


def _connect_uri(path: Path, uri: str) -> Store:
    db = Store(path, uri, pragmas=READ_PRAGMAS, timeout=BUSY_TIMEOUT_S,
               check_same_thread=False, uri=True)  # fmt: skip
    try:
        db.connect()
        db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception:
        db.close()
        raise
    return db


def open_sqlite(
    path: Path, *, readonly: bool = False, create_folder: bool = True
) -> SqliteDatabase:
    """Open the SQLite store and bind the models to it (location.open_store chooses this).

    A missing store is created (owner-only) and migrated, and its folder too when
    `create_folder` (Context passes False for a path the user typed: --db, CHOFU_TUI_DB).
    `readonly`: the caller only reads, so an up-to-date store is opened without any write
    or write lock, and can be read from a read-only file or folder.
    """
    path = Path(path).expanduser()
    if not path.exists():
        _create(path, create_folder)
    try:
        if cipher.is_encrypted(path):
            # SQLCipher (issue 14): the key is checked before a byte is written
            db = cipher.open_encrypted(path, readonly=readonly)
        else:
            db = _open_plain(path, readonly=readonly)
    except StoreError:
        raise
    except Exception as exc:
        raise _cannot_open(path, exc) from exc
    database.initialize(db)
    try:
        # Through the connection, which also sees what a writer has not yet checkpointed.
        current = schema_version(db)
        if current > SCHEMA_VERSION:
            raise _newer(path, current)
        if current < SCHEMA_VERSION:
            _migrate(db)
    except Exception as exc:
        db.close()
        if isinstance(exc, StoreError):
            raise
        raise _cannot_open(path, exc) from exc
    return db


def _open_plain(path: Path, *, readonly: bool) -> Store:
    version = _inspect(path)
    if version == 0:
        with contextlib.suppress(OSError):
            path.chmod(0o600)  # an empty file we are about to make a store of
    try:
        return _connect(path, readonly=readonly and version == SCHEMA_VERSION)
    except ReadOnlyStoreError:
        if readonly or version != SCHEMA_VERSION:
            raise
        # A writer (the app, `add`) on a store it may not write: open it for reading,
        # so the app can still show it; the first save says why it cannot be saved.
        return _connect(path, readonly=True)


def _cannot_open(path: Path, exc: Exception) -> StoreError:
    """Why the store could not be opened; a full disk is named as such (SQLite reports only
    "disk I/O error" when it cannot create its -shm or -wal file)."""
    known = storage_error(exc)
    if known is None:
        with contextlib.suppress(OSError):
            if shutil.disk_usage(path.parent).free < 64 * 1024:
                known = UserError(DISK_FULL_MESSAGE, "disk full")
    if known is not None:
        return StoreError(f"データベース {path} を開けません: {known.message}", known.english)
    return StoreError(f"データベース {path} を開けません: {exc}", "cannot open database")


def _migrate(db: SqliteDatabase) -> None:
    before_migration(db)  # an existing store is backed up at its old version first
    # One write transaction for the whole upgrade, the version re-read inside it: of several
    # starts at once, the first does the work and the others find it done.
    with db.atomic():
        version = schema_version(db)
        if version > SCHEMA_VERSION:
            raise _newer(getattr(db, "path", Path(db.database)), version)
        if version == SCHEMA_VERSION:
            return
        for index in range(version, SCHEMA_VERSION):
            MIGRATIONS[index](db)
        db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # A new store names its device now, as it is being written anyway (a store without
        # one gets it from services.entries.device_id() at its first save).
        Setting.insert(key="device_id", value=str(uuid.uuid4())).on_conflict_ignore().execute()


def open_file() -> Path | None:
    """The file of the store the models are bound to (None when none is open)."""
    path = getattr(database.obj, "path", None)
    return path if isinstance(path, Path) else None


def schema_version(db: SqliteDatabase) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])
