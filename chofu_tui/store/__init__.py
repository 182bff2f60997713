"""The peewee store (SQLite; opened from a path or URL by location.open_store). Never imports
Textual."""

from chofu_tui.store.db import SCHEMA_VERSION
from chofu_tui.store.location import StoreKind, StoreLocation, open_store
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
    "StoreKind",
    "StoreLocation",
    "Tally",
    "TallyOrg",
    "database",
    "open_store",
]
