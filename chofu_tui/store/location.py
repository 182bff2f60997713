"""Where the store is, and the one way to open it: from a path or a URL.

- `StoreLocation.parse(text)` reads --db or CHOFU_TUI_DB: a file path, or a URL whose scheme
  names the kind (`sqlite:///rel.db`, `sqlite:////abs.db` as in peewee's playhouse.db_url;
  `postgresql://user@host/db`); `StoreLocation.chosen()` adds the defaults. `.shown` hides a
  URL's password wherever a location is printed.
- `open_store(location)` dispatches on `location.kind`, binds `models.database` (services never
  know which kind they write to) and raises StoreError (Japanese, exit 2) for a store it cannot
  use. SQLite goes to db.open_sqlite.
- PostgreSQL is one more branch: store/pg.py connects through `playhouse.db_url` with
  psycopg 3, both imported inside the branch only (SQLite users never load them: start-up
  stays fast), and creates the schema at the current version at once (one transaction), with
  PL/pgSQL twins of store/tallies.py's triggers.
- An encrypted SQLite file (SQLCipher) is still a SQLite path: db.open_sqlite recognises it by
  its header (not "SQLite format 3") and opens it through store/cipher.py with the passphrase
  of `cipher.passphrase_from(...)` (CHOFU_TUI_PASSPHRASE, the CLI's masked prompt, or the app's
  unlock screen); playhouse.sqlcipher_ext is imported only then.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from chofu_tui.errors import StoreError, UserError
from chofu_tui.paths import DB_ENV, data_dir
from chofu_tui.store.db import open_sqlite


class StoreKind(enum.Enum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
FORMS = "ファイルのパス、sqlite:///ファイル、postgresql://… のどれか"


@dataclass(frozen=True)
class StoreLocation:
    kind: StoreKind
    path: Path | None = None  # the SQLite file
    url: str | None = None  # a server's URL, as given (it may hold a password)
    default: bool = False  # the data folder's store: its folder may be created

    @classmethod
    def sqlite(cls, path: str | os.PathLike[str], *, default: bool = False) -> StoreLocation:
        return cls(StoreKind.SQLITE, path=Path(path).expanduser(), default=default)

    @classmethod
    def parse(cls, text: str | os.PathLike[str]) -> StoreLocation:
        """A path (a Path is always a file) or a URL; a UserError for anything else."""
        if not isinstance(text, str):
            return cls.sqlite(text)
        if not text.strip():
            raise UserError(
                f"データベースの指定が空です。{FORMS}を指定してください", "empty database location"
            )
        scheme = _URL.match(text)
        if scheme is None:
            return cls.sqlite(text)
        name = scheme.group(1).lower()
        if name in _POSTGRES_SCHEMES:
            return cls(StoreKind.POSTGRESQL, url=text)
        parts = urlsplit(text)
        if name == "sqlite" and not parts.netloc and parts.path not in ("", "/"):
            return cls.sqlite(parts.path[1:])  # sqlite:///rel.db, sqlite:////abs.db
        raise UserError(
            f"データベースの指定 {_hide_password(text)} を読めません。{FORMS}を指定してください",
            "unknown database location",
        )

    @classmethod
    def chosen(cls, given: StoreLocation | str | os.PathLike[str] | None = None) -> StoreLocation:
        """--db, else CHOFU_TUI_DB, else the data folder's store. Only the default data folder
        is created; a path someone typed needs an existing folder, so a typo never leaves
        folders and an empty store behind."""
        if isinstance(given, StoreLocation):
            return given
        if given is not None:
            return cls.parse(given)
        env = os.environ.get(DB_ENV)
        if env:
            return cls.parse(env)
        return cls.sqlite(data_dir() / "chofu.db", default=True)

    def require_file(self, why: str = "") -> Path:
        """The SQLite file, for a caller about files only (`backup`, `encrypt`); a StoreError
        for a server's database, which `why` (a sentence) may explain."""
        if self.path is None:
            raise StoreError(
                f"{why or 'この操作は SQLite のファイルのデータベースだけが対象です'} "
                f"({self.shown})。PostgreSQL のデータベースは pg_dump でバックアップしてください",
                "only for SQLite files",
            )
        return self.path

    @property
    def shown(self) -> str:
        """For messages: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return _hide_password(self.url or "")

    def __str__(self) -> str:
        return self.shown


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def open_store(
    location: StoreLocation | str | os.PathLike[str],
    *,
    readonly: bool = False,
    create_folder: bool = True,
) -> Any:
    """Open the store at `location` (a StoreLocation, a path, or a URL) and bind the models.

    `readonly`: the caller only reads (no write lock). `create_folder`: a missing folder of a
    new SQLite store may be made (Context passes False for a path the user typed)."""
    where = location if isinstance(location, StoreLocation) else StoreLocation.parse(location)
    if where.kind is StoreKind.POSTGRESQL:
        from chofu_tui.store.models import database
        from chofu_tui.store.pg import open_postgres  # psycopg is loaded there, only now

        db = open_postgres(where.url or "", where.shown)
        database.initialize(db)
        return db
    return open_sqlite(where.require_file(), readonly=readonly, create_folder=create_folder)
