"""Reading another store (a merge source) without writing a byte beside it.

The one place a source file is opened: plain SQLite, or an encrypted (SQLCipher) source with its
own passphrase (issue 14): CHOFU_TUI_SOURCE_PASSPHRASE for scripts, else asked on a terminal
naming the file, else refused at once (exit 2, never a hang)."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chofu_tui.errors import UserError
from chofu_tui.store import cipher
from chofu_tui.store.db import open_file


def source_passphrase(path: Path) -> str:
    """The passphrase of the encrypted merge source `path`."""
    env = os.environ.get(cipher.SOURCE_PASSPHRASE_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError(
            f"取り込むファイル {path} は暗号化されています。環境変数 "
            f"{cipher.SOURCE_PASSPHRASE_ENV} にそのパスフレーズを入れて実行するか、"
            "端末から実行して入力してください。何も取り込んでいません",
            "source passphrase required",
        )
    return getpass.getpass(f"{path} のパスフレーズ: ")


@contextlib.contextmanager
def open_source(path: Path) -> Iterator[Any]:
    """Another store, opened so that nothing is ever written beside it (a plain copy on a
    USB stick, read-only media): immutable, so SQLite makes no -wal or -shm there."""
    with contextlib.ExitStack() as stack:
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size:
            # Saves not yet in the file itself: read a private copy of the pair instead.
            # Beside our own store (owner-only, like it), never in a shared /tmp: the copy
            # holds every note of the source.
            store = open_file()
            tmp = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(
                        prefix=".chofu-merge-", dir=store.parent if store else None
                    )
                )
            )
            shutil.copyfile(path, tmp / "source.db")
            shutil.copyfile(wal, tmp / "source.db-wal")
            uri = f"{(tmp / 'source.db').as_uri()}?mode=ro"
        else:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        con: Any
        if cipher.is_encrypted(path):
            con = cipher.connect_file(uri, source_passphrase(path), uri=True)
            stack.callback(con.close)
            con.row_factory = cipher.row_class()
            try:
                cipher.check_key(con, path)
                yield con
            except Exception as exc:
                # SQLCipher's driver has its own error classes: the caller's sqlite3 handling
                # (a damaged source: a clear message, exit 2) applies to them too
                if type(exc).__module__.startswith("sqlcipher3"):
                    raise sqlite3.DatabaseError(str(exc)) from exc
                raise
            return
        con = sqlite3.connect(uri, uri=True)
        stack.callback(con.close)
        con.row_factory = sqlite3.Row
        yield con
