"""Encryption at rest (SQLCipher, issue 14): opening an encrypted store, converting a store in
place, and copies of an encrypted store.

SQLCipher (`sqlcipher3`, through peewee's playhouse.sqlcipher_ext) is imported only when a
file is encrypted, so a plain store starts as fast as before. Every connection silences
SQLCipher's own log and pins SQLCipher 4's settings (PBKDF2-HMAC-SHA512, 256,000 iterations),
so a file written today opens with tomorrow's library, and a guess costs as much as a start.

SQLCipher cannot tell a wrong passphrase from a damaged file: the message says both.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chofu_tui.errors import StoreError, UserError, storage_error
from chofu_tui.files import atomic_write, remove_leftovers

PASSPHRASE_ENV = "CHOFU_TUI_PASSPHRASE"
SOURCE_PASSPHRASE_ENV = "CHOFU_TUI_SOURCE_PASSPHRASE"
# SQLCipher 4's defaults, named so a file never depends on the library's current defaults.
COMPATIBILITY = 4
KDF_ITER = 256_000
MIN_PASSPHRASE = 8

_SQLITE_MAGIC = b"SQLite format 3\x00"
_MIN_PAGE = 512  # SQLCipher's pages are a power of two, 512 bytes or more

WRONG_PASSPHRASE = "パスフレーズが違います (またはファイルが壊れています)"
HOW_TO_PASS = (
    f"環境変数 {PASSPHRASE_ENV} にパスフレーズを入れて実行するか、端末から実行して入力してください"
)

# Where a store's passphrase comes from while it is opened: the command line's terminal
# prompt, the app's unlock screen, or (when none is set) CHOFU_TUI_PASSPHRASE.
Passphrase = Callable[[Path], str]
_source: contextvars.ContextVar[Passphrase | None] = contextvars.ContextVar(
    "chofu_passphrase", default=None
)


class WrongPassphraseError(StoreError):
    """The key does not open the file (or the file is damaged: SQLCipher cannot tell)."""


def wrong_passphrase(path: Path) -> WrongPassphraseError:
    return WrongPassphraseError(
        f"{WRONG_PASSPHRASE}: {path}。何も変更していません", "wrong passphrase or damaged file"
    )


def needs_passphrase(path: Path, env: str = PASSPHRASE_ENV) -> StoreError:
    return StoreError(
        f"データベース {path} は暗号化されています。{HOW_TO_PASS.replace(PASSPHRASE_ENV, env)}",
        "passphrase required",
    )


@contextlib.contextmanager
def passphrase_from(source: Passphrase | None) -> Iterator[None]:
    """Open stores inside this block with `source`'s passphrase (asked only for an encrypted
    file, and only once it is known to be one)."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def passphrase_for(path: Path) -> str:
    source = _source.get()
    if source is not None:
        return source(path)
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    raise needs_passphrase(path)


def is_encrypted(path: Path) -> bool:
    """Not a plain SQLite file, yet shaped like SQLCipher's (whole pages of noise): cheap, reads
    16 bytes. An empty file is a plain store about to be made."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return size >= _MIN_PAGE and size % _MIN_PAGE == 0 and head != _SQLITE_MAGIC


# --- connections --------------------------------------------------------------------------


def _driver() -> Any:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # a broken install: say what is missing, not a traceback
        raise StoreError(
            "暗号化されたデータベースを開くための sqlcipher3 が入っていません。"
            "README の手順で chofu-tui を入れ直してください",
            "sqlcipher3 is not installed",
        ) from None
    return dbapi2


def _quote(key: str) -> str:
    return "'" + key.replace("'", "''") + "'"


class RawKey(str):
    """A key already derived from the passphrase, with its salt (SQLCipher's x'KEY SALT'): a
    connection keyed with it skips the key derivation (the app's worker threads each connect,
    and would each pay it)."""


_derived: dict[tuple[str, bytes], RawKey] = {}


def derive(passphrase: str, salt: bytes) -> RawKey:
    """SQLCipher 4's own derivation (PBKDF2-HMAC-SHA512, KDF_ITER rounds, 32 bytes) over the
    file's salt (its first 16 bytes), done once and kept for this process."""
    import hashlib

    found = _derived.get((passphrase, salt))
    if found is None:
        key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITER, 32)
        found = _derived[(passphrase, salt)] = RawKey(f"x'{key.hex()}{salt.hex()}'")
    return found


def _derive_later(passphrase: str, salt: bytes) -> None:
    """Derive the raw key in the background when a second connection is made (the app's
    worker threads; a command has one): SQLCipher's own derivation is faster for one, the raw
    key makes every later one free. hashlib releases the GIL meanwhile."""
    import threading

    if (passphrase, salt) in _derived:
        return
    threading.Thread(target=derive, args=(passphrase, salt), daemon=True).start()


def key_connection(conn: Any, key: str | None, schema: str = "main") -> None:
    """Quiet SQLCipher's log and key `conn` (None: a plain file, opened by SQLCipher)."""
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is None:
        return
    literal = f'"{key}"' if isinstance(key, RawKey) else _quote(key)
    conn.execute(f"PRAGMA {schema}.key = {literal}")
    conn.execute(f"PRAGMA {schema}.cipher_compatibility = {COMPATIBILITY}")


def connect_file(path: Path | str, key: str | None, *, uri: bool = False, **kw: Any) -> Any:
    """A raw SQLCipher connection to `path`, keyed (nothing is read yet: a wrong key is found
    at the first query). `key`: a passphrase, or a RawKey (a new file then takes its salt, so
    a copy opens with the same passphrase)."""
    conn = _driver().connect(str(path), uri=uri, **kw)
    try:
        key_connection(conn, key)
    except BaseException:
        conn.close()
        raise
    return conn


def _store_class() -> type:
    from playhouse.sqlcipher_ext import SqlCipherDatabase

    from chofu_tui.store.db import Store

    class CipherStore(Store, SqlCipherDatabase):
        """The store's own database class (its error reporting) over SQLCipher."""

        salt = b""  # the file's first 16 bytes, set by open_encrypted
        connected_before = False

        def _connect(self) -> Any:
            params = dict(self.connect_params)
            passphrase = params.pop("passphrase")
            key = _derived.get((passphrase, self.salt))
            if key is None:
                key = passphrase
                if self.connected_before:  # a second thread: later ones take the raw key
                    _derive_later(passphrase, self.salt)
                self.connected_before = True
            conn = _driver().connect(
                self.database, timeout=self._timeout, isolation_level=None, **params
            )
            try:
                key_connection(conn, key)
                self._add_conn_hooks(conn)
            except BaseException:
                conn.close()
                raise
            return conn

        @property
        def cipher_key(self) -> str:
            """The raw key when derived (copies then share the file's salt), else the
            passphrase: a copy opens with the same passphrase either way."""
            passphrase = str(self.connect_params["passphrase"])
            return _derived.get((passphrase, self.salt), passphrase)

    return CipherStore


def open_encrypted(path: Path, *, readonly: bool) -> Any:
    """Connect to an encrypted store: one key derivation, the key checked by reading the schema
    before anything is written (a wrong key changes no byte), then the checks of a plain store
    (ours, not newer), then WAL for a writer. Returns the connected Store."""
    from chofu_tui.store import db as plain

    with path.open("rb") as f:
        salt = f.read(16)
    key = passphrase_for(path)
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    make = _store_class()
    common: dict[str, Any] = {"timeout": plain.BUSY_TIMEOUT_S, "check_same_thread": False}
    if writable:
        store = make(
            path,
            str(path),
            passphrase=key,
            pragmas=plain.READ_PRAGMAS if readonly else plain.PRAGMAS,
            **({} if readonly else {"lock_type": "IMMEDIATE"}),
            **common,
        )
    else:
        store = make(
            path,
            f"{path.resolve().as_uri()}?mode=ro",
            passphrase=key,
            pragmas=plain.READ_PRAGMAS,
            uri=True,
            **common,
        )
    store.salt = salt
    try:
        try:
            store.connect()
            conn = store.connection()
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except Exception as exc:
            if _driver_code(exc) == 26 or "not a database" in str(exc):  # SQLITE_NOTADB
                raise wrong_passphrase(path) from None
            raise
        if version > plain.SCHEMA_VERSION:
            raise plain._newer(path, version)
        if not plain._looks_ours(version, tables):
            raise StoreError(
                f"{path} は chofu-tui のデータベースではありません。ファイルは変更していません",
                "not a chofu-tui database",
            )
        if writable:
            # a killed `decrypt` may have left part of a plain copy beside the store
            remove_leftovers(path)
        if writable and (not readonly or version != plain.SCHEMA_VERSION):
            plain._use_wal(store)
    except BaseException:
        store.close()
        raise
    return store


def _driver_code(exc: BaseException) -> int | None:
    for e in (exc, *getattr(exc, "args", ())[:1], exc.__cause__, exc.__context__):
        code = getattr(e, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
    return None


def open_key() -> str | None:
    """The key of the open store (None: a plain store, or none open)."""
    from chofu_tui.store.models import database

    key = getattr(database.obj, "cipher_key", None)
    return key if isinstance(key, str) else None


def check_key(conn: Any, path: Path) -> None:
    """Read the schema through `conn`: a wrong key (or a damaged file) is a WrongPassphraseError."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:
        if _driver_code(exc) == 26 or "not a database" in str(exc):
            raise wrong_passphrase(path) from None
        raise


# --- converting a store in place -----------------------------------------------------------


@dataclass(frozen=True)
class Converted:
    path: Path
    rows: dict[str, int]  # every table's row count, the same before and after

    @property
    def entries(self) -> int:
        return self.rows.get("entry", 0)


def _counts(conn: Any, schema: str = "main") -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type='table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}


def encrypt_file(path: Path, passphrase: str) -> Converted:
    """Encrypt the plain store at `path` in place with `passphrase`."""
    if is_encrypted(path):
        raise UserError(f"{path} は既に暗号化されています。何もしていません", "already encrypted")
    check_passphrase(passphrase)
    return _convert(path, source_key=None, target_key=passphrase)


def decrypt_file(path: Path, passphrase: str) -> Converted:
    """Turn the encrypted store at `path` back into a plain SQLite file, in place."""
    if not is_encrypted(path):
        raise UserError(f"{path} は暗号化されていません。何もしていません", "not encrypted")
    return _convert(path, source_key=passphrase, target_key=None)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(
            f"パスフレーズが短すぎます ({MIN_PASSPHRASE} 文字以上にしてください)",
            "passphrase too short",
        )


def _convert(path: Path, *, source_key: str | None, target_key: str | None) -> Converted:
    """Write the converted copy beside `path`, verify it (opened with its key, integrity_check,
    the same row count in every table, the same schema version), fsync it and swap it in.
    The source is held exclusively meanwhile, so no save lands in the old file unseen; on any
    failure the copy is removed and the store is what it was."""
    path = Path(path)
    if source_key is None:
        from chofu_tui.store.db import _inspect

        _inspect(path)  # refuse another program's database, untouched
    try:
        src = connect_file(path, source_key, timeout=5.0, isolation_level=None)
    except Exception as exc:
        raise _failed(path, exc) from None
    try:
        check_key(src, path)
        _hold_exclusively(src, path)
        rows = _counts(src)
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        with atomic_write(path) as tmp:
            try:
                src.execute("ATTACH DATABASE ? AS converted KEY ?", (str(tmp), target_key or ""))
                if target_key is not None:
                    src.execute(f"PRAGMA converted.cipher_compatibility = {COMPATIBILITY}")
                src.execute("SELECT sqlcipher_export('converted')")
                src.execute(f"PRAGMA converted.user_version = {version}")
                src.execute("DETACH DATABASE converted")
                _verify(tmp, target_key, rows, version, path)
                if os.name == "nt":  # a file open elsewhere cannot be replaced on Windows
                    src.close()
            finally:
                for side in ("-journal", "-wal", "-shm"):
                    Path(f"{tmp}{side}").unlink(missing_ok=True)
    except UserError:
        raise
    except Exception as exc:
        raise _failed(path, exc) from None
    finally:
        src.close()
    return Converted(path, rows)


def _hold_exclusively(src: Any, path: Path) -> None:
    """Out of WAL (which needs every other connection closed: the app or a command still open
    is refused) and an exclusive lock kept until the swap."""
    try:
        mode = src.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        src.execute("PRAGMA main.locking_mode = EXCLUSIVE")
        src.execute("BEGIN EXCLUSIVE")
        src.execute("COMMIT")
    except Exception as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            mode = "busy"
        else:
            raise
    if str(mode).lower() != "delete":
        raise UserError(
            f"データベース {path} をほかの chofu-tui (画面やコマンド) が開いています。"
            "閉じてからもう一度実行してください。何も変更していません",
            "store is in use",
        )


def _verify(tmp: Path, key: str | None, rows: dict[str, int], version: int, path: Path) -> None:
    con = connect_file(tmp, key)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        same = _counts(con) == rows
        same_version = int(con.execute("PRAGMA user_version").fetchone()[0]) == version
    finally:
        con.close()
    if check != "ok" or not same or not same_version:
        raise UserError(
            f"変換したコピーを確かめられませんでした ({check})。{path} は元のままです",
            "converted copy failed verification",
        )


def _failed(path: Path, exc: BaseException) -> UserError:
    # sqlcipher3's errors are not sqlite3's: read them as sqlite3's for the disk-full words
    known = storage_error(exc) or storage_error(sqlite3.OperationalError(str(exc)))
    why = known.message if known is not None else str(exc)
    return UserError(f"変換できませんでした: {why}。{path} は元のままです", "conversion failed")


# --- the program's earlier backups ---------------------------------------------------------


def protect_backups(folder: Path, passphrase: str) -> list[str]:
    """After `encrypt`: every plain SQLite file under `folder` (the program's own backups of
    the store, made before) is encrypted in place with the same passphrase; one that cannot
    be (damaged) is removed, as it would otherwise keep the notes in plain text. Returns one
    Japanese line per file touched, for the command to print."""
    said: list[str] = []
    if not folder.is_dir():
        return said
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        if file.name.endswith(("-wal", "-shm", "-journal")):
            continue
        try:
            with file.open("rb") as f:
                if f.read(16) != _SQLITE_MAGIC:
                    continue
        except OSError:
            continue
        try:
            _convert(file, source_key=None, target_key=passphrase)
            said.append(f"以前のバックアップ {file} も暗号化しました")
        except UserError:
            file.unlink(missing_ok=True)
            for side in ("-wal", "-shm", "-journal"):
                Path(f"{file}{side}").unlink(missing_ok=True)
            said.append(f"以前のバックアップ {file} は暗号化できなかったため削除しました")
    return said


def row_class() -> Any:
    """SQLCipher's own sqlite3.Row (sqlite3.Row refuses another driver's cursor)."""
    return _driver().Row
