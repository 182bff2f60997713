"""What the command line and the app ask of backups: the daily one at the first write of a day,
one before a risky step (merge, sync, restore, encrypt, decrypt), the list, a restore, and the
`backup` command's copy to a file of the user's choosing. The mechanics are store/backups.py."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from chofu_tui.errors import UserError, cannot_write
from chofu_tui.files import atomic_write
from chofu_tui.services import clock
from chofu_tui.store import backups as mechanics
from chofu_tui.store import cipher
from chofu_tui.store.backups import Backup, BackupFailed
from chofu_tui.store.db import SCHEMA_VERSION, _migrate, open_file
from chofu_tui.store.models import Setting, database

__all__ = ["Backup", "RestoreResult", "at_open", "backup_store", "before", "listing", "restore"]


def _store() -> Path | None:
    """The open store's file (None: no store, or one that is not a file)."""
    return open_file() if database.obj is not None else None


def at_open(*, writes: bool, in_thread: bool = False) -> list[str]:
    """Once the store is open: today's backup when the caller will write (a stat when it is
    there already). Returns warnings to show; never raises, so a backup never stops work.
    `in_thread`: called from a worker thread (the app), which reads the store through a
    connection of its own, closed here."""
    said = list(mechanics.pending_warnings)
    mechanics.pending_warnings.clear()
    store = _store()
    if not writes or store is None:
        return said
    try:
        mechanics.daily(store, database.connection(), today=clock.today())
    except Exception as exc:  # a full disk, a folder we may not write: said, not fatal
        said.append(f"今日のバックアップを作れませんでした (作業は続けられます): {exc}")
    finally:
        if in_thread:
            database.close()  # this thread's connection only (peewee's are per thread)
    return said


def before(reason: str) -> Backup | None:
    """A backup of the open store before a step that changes much of it (merge, sync, restore,
    encrypt, decrypt): the step does not start without one (a UserError says why). None for a
    store that is not a file."""
    store = _store()
    if store is None:
        return None
    try:
        return mechanics.make(store, database.connection(), reason, today=clock.today())
    except BackupFailed as exc:
        label = mechanics.REASON_LABELS.get(reason, reason)
        raise UserError(
            f"バックアップ ({label}) を作れないため中止しました。何も変更していません: {exc}",
            "could not make a backup first",
        ) from None


def listing(store: Path | None = None) -> list[Backup]:
    """The backups of `store` (default: the open one), newest first."""
    store = store or _store()
    return mechanics.listing(store) if store is not None else []


@dataclass(frozen=True)
class RestoreResult:
    restored: Backup
    entries: int
    schema_version: int
    kept: Backup | None  # the store as it was just before, kept as a backup


def restore(name: str) -> RestoreResult:
    """Put the backup `name` back in place of the open store: verified first, the current
    store kept as a backup (reason restore), then copied in; it takes a new replica id.
    An encrypted backup the store's key does not open is read with cipher.passphrase_for."""
    store = _store()
    if store is None:
        raise UserError(
            "このデータベースはファイルではないため、バックアップから戻せません",
            "store is not a file",
        )
    with contextlib.ExitStack() as stack:
        try:
            backup = mechanics.find(store, name)
            # one made under another key (before `encrypt`/`decrypt`): a converted temporary
            # copy, removed at the end of this block whatever happens
            usable = stack.enter_context(mechanics.readable(backup, cipher.passphrase_for))
            checked = mechanics.verify(usable)
        except BackupFailed as exc:
            raise UserError(f"{exc}。データベースは変更していません", "unusable backup") from None
        kept = before("restore")
        mechanics.restore_into(usable, database.connection())
    # A restored copy is a new replica: it must not speak with the old one's id (change log).
    Setting.delete().where(Setting.key == "device_id").execute()
    if checked["schema_version"] < SCHEMA_VERSION:
        _migrate(database.obj)  # a backup from before an upgrade: upgrade it now
    return RestoreResult(backup, checked["entries"], checked["schema_version"], kept)


def backup_store(dest: Path) -> Path:
    """A consistent single-file copy of the open store (WAL included), owner-only, without
    this laptop's device_id (a copy put to use takes its own), checked.

    Written to a locked temporary file beside `dest` and renamed into place: a killed or failing
    backup leaves no copy of the notes behind, and the next backup removes an earlier one's.
    """
    from chofu_tui.services.report.output import is_store_file

    dest = Path(os.path.abspath(Path(dest).expanduser()))
    here = open_file()
    if here is not None and is_store_file(dest.resolve(), here):
        raise UserError(
            f"{dest} はこのデータベース自身 (またはその一部) です。別のファイル名を指定してください",
            "backup destination is the store",
        )
    if dest.exists() or dest.is_symlink():
        raise UserError(f"{dest} は既にあります。上書きしません", "destination exists")
    if not dest.parent.is_dir():
        raise UserError(f"フォルダー {dest.parent} がありません", "no such directory")
    # the near-complete copy (every note) an earlier version left when a backup was killed
    legacy = dest.with_name(f".{dest.name}.tmp")
    if legacy.is_file() and not legacy.is_symlink():
        legacy.unlink(missing_ok=True)
    try:
        with atomic_write(dest) as tmp:
            mechanics.write_copy(database.connection(), tmp)
    except OSError as exc:
        raise cannot_write(dest, exc, "cannot write backup") from None
    except BackupFailed as exc:
        raise UserError(f"コピーを作れませんでした: {exc}", "backup check failed") from None
    return dest
