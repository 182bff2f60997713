"""Errors a user can cause: shown as one clear line, never as a traceback."""

from __future__ import annotations

import errno
import sqlite3


class UserError(Exception):
    """Bad input (exit code 2). `message` is Japanese; `english` goes beside it on the CLI."""

    exit_code = 2

    def __init__(self, message: str, english: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.english = english

    def __str__(self) -> str:
        return f"{self.message} ({self.english})" if self.english else self.message


class StoreError(UserError):
    """The database cannot be used as it is (newer schema, damaged file, locked)."""


# --- storage that runs out: a full disk or a file-size limit ------------------------------

DISK_FULL_MESSAGE = (
    "ディスクの空き容量が足りないため書き込めませんでした (容量不足)。"
    "データは書き込む前のままです。空きを作ってからやり直してください"
)
FILE_SIZE_MESSAGE = (
    "ファイルサイズの上限に達したため書き込めませんでした。"
    "データは書き込む前のままです。上限 (ulimit -f) を確かめてからやり直してください"
)
WRITE_FAILED_MESSAGE = (
    "ディスクに書き込めませんでした (容量不足、ファイルサイズの上限、またはディスクの不具合)。"
    "データは書き込む前のままです"
)


# SQLite's I/O errors of a write or of a file (the store, -wal, -shm) growing
_WRITE_ERRORS = frozenset(
    getattr(sqlite3, name, -1)
    for name in (
        "SQLITE_IOERR_WRITE",
        "SQLITE_IOERR_TRUNCATE",
        "SQLITE_IOERR_FSYNC",
        "SQLITE_IOERR_SHMSIZE",
        "SQLITE_IOERR_SHMMAP",
    )
) - {-1}


def _file_size_limited() -> bool:
    """True when this process runs under a file-size limit (ulimit -f / RLIMIT_FSIZE)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft != resource.RLIM_INFINITY


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception it was raised from or while handling (peewee wraps SQLite's,
    and a failed COMMIT is followed by "cannot rollback", which hides the real cause)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__]
    return seen


def storage_error(exc: BaseException) -> UserError | None:
    """A clear message when `exc` (or what it hides) is a full disk or a file-size limit.

    For the command line (cli.main) and the app's save path alike; None for anything else.
    """
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return UserError(DISK_FULL_MESSAGE, "disk full")
        if isinstance(e, OSError) and e.errno == errno.EFBIG:
            return UserError(FILE_SIZE_MESSAGE, "file size limit reached")
        # SQLCipher's driver (an encrypted store) raises its own copies of sqlite3's errors
        if isinstance(e, sqlite3.Error) or type(e).__module__.startswith("sqlcipher3"):
            code = getattr(e, "sqlite_errorcode", None)
            if code == sqlite3.SQLITE_FULL or "database or disk is full" in str(e):
                # SQLite says "full" for a short write, which a size limit also causes
                if _file_size_limited():
                    return UserError(FILE_SIZE_MESSAGE, "file size limit reached")
                return UserError(DISK_FULL_MESSAGE, "disk full")
            if code == getattr(sqlite3, "SQLITE_IOERR_SHMOPEN", -1) and _file_size_limited():
                # the -shm file could not be grown (a folder one cannot write says so otherwise)
                return UserError(FILE_SIZE_MESSAGE, "file size limit reached")
            if (
                code == sqlite3.SQLITE_IOERR
                and not isinstance(e, sqlite3.Error)
                and _file_size_limited()
            ):
                # SQLCipher's driver gives no extended code (no _WRITE, _SHMSIZE ...)
                return UserError(FILE_SIZE_MESSAGE, "file size limit reached")
            if code in _WRITE_ERRORS:
                # SQLite does not keep errno: a write refused outright (EFBIG) is an I/O error
                if _file_size_limited():
                    return UserError(FILE_SIZE_MESSAGE, "file size limit reached")
                return UserError(WRITE_FAILED_MESSAGE, "write failed")
    return None


def cannot_write(path: object, exc: OSError, english: str = "cannot write the file") -> UserError:
    """Why `path` could not be written: the disk or size-limit message, or the system's reason."""
    return storage_error(exc) or UserError(
        f"{path} に書き込めません ({exc.strerror or exc})", english
    )
