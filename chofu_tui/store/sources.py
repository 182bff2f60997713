"""Reading another store (a merge source) without writing a byte beside it.

The one place a source file is opened: plain SQLite today; an encrypted (SQLCipher) source
is opened here too, with its own passphrase (issue 14)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from chofu_tui.store.db import open_file


@contextlib.contextmanager
def open_source(path: Path) -> Iterator[sqlite3.Connection]:
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
        con = sqlite3.connect(uri, uri=True)
        stack.callback(con.close)
        con.row_factory = sqlite3.Row
        yield con
