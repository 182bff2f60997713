"""What a command or the app works with: the plan catalog and the open store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chofu_tui.paths import chosen_db_path
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import clock
from chofu_tui.services import settings as settings_service

# "today" honours CHOFU_TUI_TODAY; the rule lives in services/clock.py
_today = clock.today


@dataclass
class Context:
    catalog: PlanCatalog
    db_path: Path | None
    today: Callable[[], dt.date] = field(default=_today)
    _db: object | None = None

    @classmethod
    def open(
        cls,
        db_path: Path | None = None,
        *,
        needs_store: bool = True,
        catalog: PlanCatalog | None = None,
        readonly: bool = False,
    ) -> Context:
        """`readonly`: the caller only reads the store (log, progress, report ...), so it needs
        no write lock and works on a store it may not write to."""
        path, is_default = chosen_db_path(db_path)
        ctx = cls(catalog or PlanCatalog(), path)
        if needs_store:
            from chofu_tui.store import open_store

            ctx._db = open_store(path, readonly=readonly, create_folder=is_default)
        return ctx

    def close(self) -> None:
        if self._db is not None:
            self._db.close()  # type: ignore[attr-defined]
            self._db = None

    def settings(self) -> settings_service.UserSettings:
        return settings_service.load()

    def plan_for_entry(self, day: dt.date) -> Plan:
        """The plan whose rules an entry of `day` follows (the one rule: entries.plan_for_day)."""
        from chofu_tui.services.entries import plan_for_day

        return plan_for_day(self.catalog, day)
