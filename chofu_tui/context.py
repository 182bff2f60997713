"""What a command or the app works with: the plan catalog and the open store."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chofu_tui.errors import StoreError
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import clock
from chofu_tui.services import settings as settings_service
from chofu_tui.store import cipher
from chofu_tui.store.location import StoreLocation

# "today" honours CHOFU_TUI_TODAY; the rule lives in services/clock.py
_today = clock.today


def terminal_passphrase(path: Path) -> str:
    """The passphrase of an encrypted store, for the command line: CHOFU_TUI_PASSPHRASE, else
    asked (masked) on a terminal, else exit 2 at once: a script must never wait for a prompt
    nobody sees."""
    env = os.environ.get(cipher.PASSPHRASE_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise StoreError(
            f"データベース {path} は暗号化されています。{cipher.HOW_TO_PASS}",
            "passphrase required (set CHOFU_TUI_PASSPHRASE)",
        )
    return getpass.getpass(f"{path} のパスフレーズ: ")


@dataclass
class Context:
    catalog: PlanCatalog
    db_path: Path | None  # the store's file (None: a store that is not a file)
    today: Callable[[], dt.date] = field(default=_today)
    _db: Any | None = None  # the open peewee database (peewee has no type information)
    _where: StoreLocation | None = None  # where the store is, for a later unlock()

    @classmethod
    def open(
        cls,
        db: StoreLocation | str | os.PathLike[str] | None = None,
        *,
        needs_store: bool = True,
        catalog: PlanCatalog | None = None,
        readonly: bool = False,
        passphrase: cipher.Passphrase | None = None,
    ) -> Context:
        """`db`: a path or URL (--db), else CHOFU_TUI_DB, else the data folder's store.
        `readonly`: the caller only reads the store (log, progress, report ...), so it needs
        no write lock and works on a store it may not write to. `passphrase`: asked only when
        the store is an encrypted file (None: CHOFU_TUI_PASSPHRASE or a StoreError)."""
        where = StoreLocation.chosen(db)
        ctx = cls(catalog or PlanCatalog(), where.path, _where=where)
        if needs_store:
            ctx._open(readonly, passphrase)
        return ctx

    def _open(self, readonly: bool, passphrase: cipher.Passphrase | None) -> None:
        from chofu_tui.store import open_store

        where = self._where or StoreLocation.chosen(self.db_path)
        with cipher.passphrase_from(passphrase):
            self._db = open_store(where, readonly=readonly, create_folder=where.default)

    def needs_unlock(self) -> bool:
        """The store is an encrypted file and no CHOFU_TUI_PASSPHRASE is set: the app asks."""
        return (
            self._db is None
            and self.db_path is not None
            and not os.environ.get(cipher.PASSPHRASE_ENV)
            and cipher.is_encrypted(self.db_path)
        )

    def unlock(self, passphrase: str) -> None:
        """Open the encrypted store with `passphrase` (a wrong one: WrongPassphraseError, a
        UserError; nothing changed)."""
        self._open(False, lambda _path: passphrase)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def settings(self) -> settings_service.UserSettings:
        return settings_service.load()

    def plan_for_entry(self, day: dt.date) -> Plan:
        """The plan whose rules an entry of `day` follows (the one rule: entries.plan_for_day)."""
        from chofu_tui.services.entries import plan_for_day

        return plan_for_day(self.catalog, day)
