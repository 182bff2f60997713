"""Combining the stores of several laptops into one, and taking consistent copies.

A merge exchanges changes, never rows (docs/changelog.md): the changes of the source that
this store lacks are validated, stored and the records they touch re-materialised by
services/changes.py. The winner among a record's concurrent changes is decided by their
logical revision (a Lamport clock), never by a wall clock alone; concurrent changes with
different content are reported as 競合 and kept until resolved. Merging the same file twice
changes nothing the second time; merging A into B and B into A gives both the same rows.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import changes
from chofu_tui.services.changes import ConflictNote
from chofu_tui.services.checks import Problem
from chofu_tui.store.db import SCHEMA_VERSION, open_file
from chofu_tui.store.models import database
from chofu_tui.store.sources import open_source


@dataclass(frozen=True)
class MergeResult:
    source: Path
    entries_added: int  # 新規
    entries_updated: int
    entries_unchanged: int
    organisations_added: int
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # records left out by --skip-invalid, with why
    evaluations_added: int = 0  # 評価・課題
    evaluations_updated: int = 0
    entries_deleted: int = 0  # became deleted
    conflicts: tuple[ConflictNote, ...] = ()  # records that became conflicts
    organisations_updated: int = 0
    purged: int = 0  # changes of years before the purge watermark, not stored
    changes_new: int = 0

    @classmethod
    def of(cls, source: Path, report: changes.ApplyReport) -> MergeResult:
        """What applying one store's changes did, as merge (and sync) report it."""
        return cls(
            source=source,
            entries_added=report.entries_new,
            entries_updated=report.entries_updated,
            entries_unchanged=report.entries_unchanged,
            organisations_added=report.organisations_new,
            skipped=tuple(report.skipped),
            evaluations_added=report.evaluations_new,
            evaluations_updated=report.evaluations_updated,
            entries_deleted=report.entries_deleted,
            conflicts=tuple(report.conflicts),
            organisations_updated=report.organisations_updated,
            purged=report.purged,
            changes_new=report.changes_new,
        )


def read_source(path: Path) -> list[changes.ChangeRow]:
    """Every change of another store (a store before version 5: the seeds of its rows), read
    without changing a byte of it."""
    if path.is_dir():
        raise UserError(
            f"{path} はフォルダーです。データベースのファイルを指定してください", "is a directory"
        )
    if not path.is_file():
        raise UserError(f"取り込むファイル {path} がありません", "no such file")
    try:
        with open_source(path) as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{path} は新しい版のプログラムで作られています。プログラムを更新してください",
                    "source store is newer than this program",
                )
            return changes.read_changes(con)
    except (sqlite3.DatabaseError, OSError, ValueError, TypeError) as exc:
        if "no such column" in str(exc):
            column = str(exc).rsplit(":", 1)[-1].strip().rsplit(".", 1)[-1]
            raise UserError(
                f"{path} の表に列 {column} がありません (chofu-tui のデータベースとして"
                "壊れています)。何も取り込んでいません",
                "source store lacks columns",
            ) from None
        raise UserError(
            f"{path} は chofu-tui のデータベースとして読めません (壊れています): {exc}。"
            "何も取り込んでいません",
            "not a chofu-tui store",
        ) from None


def merge_store(
    path: Path, catalog: PlanCatalog | None = None, *, skip_invalid: bool = False
) -> MergeResult:
    """Bring every change of the store at `path` into the open store (its own transaction,
    or the caller's)."""
    path = Path(path).expanduser()
    incoming = read_source(path)
    with database.atomic():
        report = changes.apply(incoming, catalog, skip_invalid=skip_invalid, source_label=str(path))
    return MergeResult.of(path, report)


def merge_stores(
    paths: list[Path],
    catalog: PlanCatalog | None = None,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> list[MergeResult]:
    """Merge several stores in one transaction: all of them, or (on any error) none.
    `dry_run`: the same work, rolled back at the end (the report says what it would do).

    Every incoming change passes the rules of a new entry (except "not after today"); one that
    does not refuses the whole merge, unless `skip_invalid` leaves its record out (listed)."""
    here = open_file()
    if here is not None and any(_same_file(Path(p).expanduser(), here) for p in paths):
        raise UserError("取り込み先と同じデータベースは取り込めません", "source is the target")
    with database.atomic() as txn:
        results = [merge_store(p, catalog, skip_invalid=skip_invalid) for p in paths]
        if dry_run:
            txn.rollback()
    return results


def _same_file(a: Path, b: Path) -> bool:
    """The same file under another name too (a symlink or a hard link)."""
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False
