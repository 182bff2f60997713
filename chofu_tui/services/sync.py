"""Two-way sync (issue 13): this store and another one (the office's PostgreSQL database, or
another store file) exchange every change the other lacks, so both end with the team's
entries. Two transactions, one per side: here first, then there. Killed in between, each side
is whole (the first holds both sides' changes, the second is as it was) and the next sync
finishes the work; a sync with nothing new changes nothing.

The other side is opened with store.location.open_store (whatever kind it is) and the models
are bound to it only while its changes are read or written; the app's store is bound again
in every case (finally)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import changes
from chofu_tui.services.changes import ApplyReport
from chofu_tui.store.db import open_file
from chofu_tui.store.location import StoreKind, StoreLocation, open_store
from chofu_tui.store.models import database


@dataclass(frozen=True)
class SyncResult:
    here: str  # this store, as shown
    there: str  # the other side, as shown (a URL without its password)
    got_here: ApplyReport  # what this store received
    got_there: ApplyReport  # what the other side received
    dry_run: bool = False


class _Rollback(Exception):
    """Ends a dry run's transaction (peewee rolls back on an exception)."""


@contextlib.contextmanager
def bound_to(location: StoreLocation) -> Iterator[Any]:
    """The models bound to the store at `location` for the block; then to this one again."""
    here = database.obj
    there = None
    try:
        there = open_store(location, create_folder=False)
        yield there
    finally:
        try:
            if there is not None:
                there.close()
        finally:
            database.initialize(here)


def _target(text: str | StoreLocation) -> StoreLocation:
    where = text if isinstance(text, StoreLocation) else StoreLocation.parse(text)
    if where.kind is StoreKind.SQLITE and where.path is not None:
        path = where.path
        if path.is_dir():
            raise UserError(
                f"{path} はフォルダーです。データベースのファイルか postgresql://… を指定してください",
                "is a directory",
            )
        if not path.is_file():
            raise UserError(f"同期先 {path} がありません", "no such store")
        here = open_file()
        if here is not None and _same_file(path, here):
            raise UserError("このデータベース自身とは同期できません", "sync target is this store")
    return where


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _apply(
    incoming: list[changes.ChangeRow],
    catalog: PlanCatalog | None,
    label: str,
    *,
    skip_invalid: bool,
    dry_run: bool,
) -> ApplyReport:
    """One side's transaction (rolled back for a dry run, the report kept)."""
    report: ApplyReport | None = None
    with contextlib.suppress(_Rollback), database.atomic():
        report = changes.apply(incoming, catalog, skip_invalid=skip_invalid, source_label=label)
        if dry_run:
            raise _Rollback
    assert report is not None
    return report


def _pull(
    where: StoreLocation, catalog: PlanCatalog | None, *, skip_invalid: bool, dry_run: bool
) -> ApplyReport:
    with bound_to(where):
        theirs = changes.export_all()
    return _apply(theirs, catalog, where.shown, skip_invalid=skip_invalid, dry_run=dry_run)


def _push(
    where: StoreLocation,
    ours: list[changes.ChangeRow],
    here_label: str,
    catalog: PlanCatalog | None,
    *,
    skip_invalid: bool,
    dry_run: bool,
) -> ApplyReport:
    with bound_to(where):
        return _apply(ours, catalog, here_label, skip_invalid=skip_invalid, dry_run=dry_run)


def sync(
    target: str | StoreLocation,
    catalog: PlanCatalog | None = None,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> SyncResult:
    """Exchange changes with `target` both ways (see the module's docstring)."""
    where = _target(target)
    here_path = open_file()
    here_label = str(here_path) if here_path is not None else "このデータベース"
    # ours as they were before the pull: the other side has its own already, and its report
    # then reads as merging this store's file there (the same with --dry-run)
    ours = changes.export_all()
    got_here = _pull(where, catalog, skip_invalid=skip_invalid, dry_run=dry_run)
    got_there = _push(where, ours, here_label, catalog, skip_invalid=skip_invalid, dry_run=dry_run)
    return SyncResult(here_label, where.shown, got_here, got_there, dry_run)
