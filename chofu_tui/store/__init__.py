"""The peewee store (SQLite). Never imports Textual."""

from chofu_tui.store.db import SCHEMA_VERSION, open_store
from chofu_tui.store.models import (
    Entry,
    EntryTarget,
    Organisation,
    Setting,
    Tally,
    TallyOrg,
    database,
)

__all__ = [
    "SCHEMA_VERSION",
    "Entry",
    "EntryTarget",
    "Organisation",
    "Setting",
    "Tally",
    "TallyOrg",
    "database",
    "open_store",
]
