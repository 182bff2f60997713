"""Combining the stores of several laptops into one, and taking consistent copies.

Rows are matched by UUID. When both sides have a row, the later `updated_at` wins, so an
edit or a deletion made on one laptop is never undone by an older copy from another
(a tombstone is just a row whose latest state is `deleted`). Organisations are matched
by UUID, then by their normalised name, so the same salon typed on two laptops is one.
Merging the same file twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.store.db import SCHEMA_VERSION
from chofu_tui.store.models import Entry, EntryTarget, Organisation, database


@dataclass(frozen=True)
class MergeResult:
    source: Path
    entries_added: int
    entries_updated: int
    entries_unchanged: int
    organisations_added: int
    warnings: tuple[str, ...] = ()


@contextlib.contextmanager
def _open_source(path: Path) -> Iterator[sqlite3.Connection]:
    """Another store, opened so that nothing is ever written beside it (a plain copy on a
    USB stick, read-only media): immutable, so SQLite makes no -wal or -shm there."""
    with contextlib.ExitStack() as stack:
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size:
            # Saves not yet in the file itself: read a private copy of the pair instead.
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chofu-merge-")))
            shutil.copyfile(path, tmp / "source.db")
            shutil.copyfile(wal, tmp / "source.db-wal")
            uri = f"{(tmp / 'source.db').as_uri()}?mode=ro"
        else:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        con = sqlite3.connect(uri, uri=True)
        stack.callback(con.close)
        con.row_factory = sqlite3.Row
        yield con


def _read_source(path: Path) -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    """Read another store without changing a byte of it."""
    if path.is_dir():
        raise UserError(
            f"{path} はフォルダーです。データベースのファイルを指定してください", "is a directory"
        )
    if not path.is_file():
        raise UserError(f"取り込むファイル {path} がありません", "no such file")
    try:
        with _open_source(path) as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{path} は新しい版のプログラムで作られています。プログラムを更新してください",
                    "source store is newer than this program",
                )
            orgs = [dict(r) for r in con.execute("SELECT * FROM organisation")]
            rows = [dict(r) for r in con.execute("SELECT * FROM entry")]
            targets: dict[int, list[str]] = {}
            for entry_id, target_id in con.execute("SELECT entry_id, target_id FROM entry_target"):
                targets.setdefault(entry_id, []).append(target_id)
    except (sqlite3.DatabaseError, OSError) as exc:
        raise UserError(
            f"{path} は chofu-tui のデータベースとして読めません: {exc}", "not a chofu-tui store"
        ) from None
    by_uuid = {r["uuid"]: sorted(targets.get(r["id"], [])) for r in rows}
    return orgs, rows, by_uuid


def _check_entry(path: Path, row: dict, targets: list[str]) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(row["date"]))
        ok = (
            isinstance(row["count"], int)
            and row["count"] >= 1
            and isinstance(row["area"], int)
            and bool(targets)
            and bool(row["uuid"])
            and bool(row["updated_at"])
        )
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise UserError(
            f"{path} の記録 {row.get('uuid')} が壊れています。何も取り込んでいません",
            "damaged entry in source",
        )
    return day


def _uncounted(catalog: PlanCatalog | None, rows: list[dict], targets_of: dict) -> list[str]:
    """Entries that no plan on this machine can count (another laptop's own targets or areas)."""
    if catalog is None:
        return []
    out = []
    for row in rows:
        fy = FiscalYear.of(dt.date.fromisoformat(str(row["date"])))
        if row["deleted"] or not catalog.has(fy):
            continue
        try:
            plan = catalog.get(fy).plan
        except UserError:
            continue
        known = {t.id for t in plan.targets()}
        if plan.area(row["area"]) is None or not set(targets_of[row["uuid"]]) <= known:
            out.append(row["uuid"])
    return out


def merge_store(path: Path, catalog: PlanCatalog | None = None) -> MergeResult:
    """Bring every entry and organisation of the store at `path` into the open store."""
    path = Path(path).expanduser()
    orgs, rows, targets_of = _read_source(path)
    added = updated = unchanged = orgs_added = 0
    with database.atomic():
        # organisations: source id -> local Organisation (survivors first, then merged ones)
        local_for: dict[int, Organisation] = {}
        by_source_id = {o["id"]: o for o in orgs}

        def survivor_id(source_id: int) -> int:
            seen: set[int] = set()
            while by_source_id[source_id]["merged_into_id"] is not None and source_id not in seen:
                seen.add(source_id)
                source_id = by_source_id[source_id]["merged_into_id"]
            return source_id

        for o in orgs:
            if o["merged_into_id"] is not None:
                continue
            org = Organisation.get_or_none(Organisation.uuid == o["uuid"])
            if org is None:
                org = Organisation.get_or_none(Organisation.key == o["key"])
            if org is None:
                org = Organisation.create(
                    uuid=o["uuid"],
                    name=o["name"],
                    key=o["key"],
                    created_at=o["created_at"],
                    updated_at=o["updated_at"],
                    device_id=o["device_id"],
                )
                orgs_added += 1
            local_for[o["id"]] = _live(org)
        for o in orgs:
            if o["merged_into_id"] is None:
                continue
            keep = local_for[survivor_id(o["id"])]
            local_for[o["id"]] = keep
            # a merge made on the other laptop applies here too
            here = Organisation.get_or_none(Organisation.uuid == o["uuid"])
            if here is not None and here.merged_into_id is None and here.id != keep.id:
                Entry.update(organisation=keep).where(Entry.organisation == here).execute()
                Organisation.update(merged_into=keep, updated_at=o["updated_at"]).where(
                    (Organisation.id == here.id) | (Organisation.merged_into == here.id)
                ).execute()

        def resolve(source_id: int | None) -> Organisation | None:
            return local_for.get(source_id) if source_id is not None else None

        for row in rows:
            targets = targets_of[row["uuid"]]
            day = _check_entry(path, row, targets)
            fields = {
                "date": day,
                "fiscal_year": FiscalYear.of(day).year,
                "coordinator": row["coordinator"] or "",
                "area": row["area"],
                "organisation": resolve(row["organisation_id"]),
                "case_code": row["case_code"],
                "count": row["count"],
                "note": row["note"] or "",
                "updated_at": row["updated_at"],
                "deleted": bool(row["deleted"]),
            }
            local = Entry.get_or_none(Entry.uuid == row["uuid"])
            if local is None:
                entry = Entry.create(
                    uuid=row["uuid"],
                    created_at=row["created_at"],
                    device_id=row["device_id"],
                    **fields,
                )
                added += 1
            elif row["updated_at"] > local.updated_at:
                Entry.update(**fields).where(Entry.id == local.id).execute()
                EntryTarget.delete().where(EntryTarget.entry == local.id).execute()
                entry = local
                updated += 1
            else:
                unchanged += 1
                continue
            EntryTarget.insert_many(
                [(entry.id, t) for t in targets], fields=[EntryTarget.entry, EntryTarget.target_id]
            ).execute()
    warnings: tuple[str, ...] = ()
    if odd := _uncounted(catalog, rows, targets_of):
        warnings = (
            f"{path}: {len(odd)} 件の記録は、この計画にない目標か圏域を含むため一部が集計されません"
            f" (例: {odd[0]})",
        )
    return MergeResult(path, added, updated, unchanged, orgs_added, warnings)


def _live(org: Organisation) -> Organisation:
    while org.merged_into_id is not None:
        org = Organisation.get_by_id(org.merged_into_id)
    return org


def merge_stores(paths: list[Path], catalog: PlanCatalog | None = None) -> list[MergeResult]:
    """Merge several stores in one transaction: all of them, or (on any error) none."""
    with database.atomic():
        return [merge_store(p, catalog) for p in paths]


def backup_store(dest: Path) -> Path:
    """A consistent single-file copy of the open store (WAL included), owner-only."""
    dest = Path(dest).expanduser()
    if dest.exists():
        raise UserError(f"{dest} は既にあります。上書きしません", "destination exists")
    if not dest.parent.is_dir():
        raise UserError(f"フォルダー {dest.parent} がありません", "no such directory")
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        target = sqlite3.connect(tmp)
        try:
            database.connection().backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            target.close()
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{dest} に書き込めません: {exc}", "cannot write backup") from None
    return dest
