"""What a command or the app works with: the plan catalog and the open store."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import clock
from chofu_tui.services import settings as settings_service
from chofu_tui.store.location import StoreLocation

# "today" honours CHOFU_TUI_TODAY; the rule lives in services/clock.py
_today = clock.today


@dataclass
class Context:
    catalog: PlanCatalog
    db_path: Path | None  # the store's file (None: a store that is not a file)
    today: Callable[[], dt.date] = field(default=_today)
    _db: Any | None = None  # the open peewee database (peewee has no type information)

    @classmethod
    def open(
        cls,
        db: StoreLocation | str | os.PathLike[str] | None = None,
        *,
        needs_store: bool = True,
        catalog: PlanCatalog | None = None,
        readonly: bool = False,
    ) -> Context:
        """`db`: a path or URL (--db), else CHOFU_TUI_DB, else the data folder's store.
        `readonly`: the caller only reads the store (log, progress, report ...), so it needs
        no write lock and works on a store it may not write to."""
        where = StoreLocation.chosen(db)
        ctx = cls(catalog or PlanCatalog(), where.path)
        if needs_store:
            from chofu_tui.store import open_store

            ctx._db = open_store(where, readonly=readonly, create_folder=where.default)
        return ctx

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
