"""Connections to SQLite files other than the open store: a new copy of it (backup), and the
kind of file it is. An encrypted store (issue 14) is copied to an encrypted file with the same
key; that decision lives here, so every copy (manual `backup`, automatic backups) follows it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from chofu_tui.store import cipher


def new_file_connection(path: Path) -> Any:
    """A connection to a new, empty file at `path` that can receive the open store's pages
    through the online backup API (same kind of file as the open store): for an encrypted
    store, an SQLCipher connection keyed with the store's own key, so the copy is encrypted
    from its first page and opens with the same passphrase."""
    key = cipher.open_key()
    if key is None:
        return sqlite3.connect(path)
    return cipher.connect_file(path, key)


def copy_connection(path: Path) -> Any:
    """A connection that reads a copy made through new_file_connection (to verify it:
    integrity_check, counts), keyed like the open store; a wrong key is a StoreError."""
    key = cipher.open_key()
    if key is None:
        return sqlite3.connect(path)
    con = cipher.connect_file(path, key)
    try:
        cipher.check_key(con, path)
    except BaseException:
        con.close()
        raise
    return con
