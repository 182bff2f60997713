"""Logging, editing, deleting and listing entries. Every write is one transaction."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from peewee import JOIN, fn

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import changes, organisations
from chofu_tui.services.clock import now_stamp
from chofu_tui.services.entry_rules import (
    CASE_CODE,
    FIRST_DAY,
    LAST_DAY,
    MAX_COORDINATOR,
    MAX_COUNT,
    MAX_NOTE,
    MAX_ORGANISATION,
    EntryDraft,
    Reason,
    area_problem,
    case_code_problem,
    check_draft,
    clean_case_code,
    clean_name,
    clean_note,
    clean_text,
    coordinator_name,
    coordinator_problem,
    count_problem,
    date_problem,
    entry_problems,
    future_problem,
    organisation_needed_problem,
    parse_count,
    plan_for_day,
    resolve_area,
    targets_problem,
    text_problem,
)
from chofu_tui.store.db import open_file
from chofu_tui.store.models import Entry, EntryTarget, Organisation, Setting, database
from chofu_tui.store.pg import is_postgres

# The input rules live in entry_rules; they are named here too, where callers find them.
__all__ = [
    "CASE_CODE",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_COORDINATOR",
    "MAX_COUNT",
    "MAX_NOTE",
    "MAX_ORGANISATION",
    "MIN_PREFIX",
    "EntryDraft",
    "EntryRecord",
    "Reason",
    "Saved",
    "area_problem",
    "case_code_problem",
    "check_draft",
    "clean_case_code",
    "clean_name",
    "clean_note",
    "clean_text",
    "coordinator_name",
    "coordinator_problem",
    "count_problem",
    "date_problem",
    "device_id",
    "entry_problems",
    "find_entry",
    "future_problem",
    "get_entry",
    "insert_entry",
    "link_targets",
    "list_entries",
    "log_entry",
    "organisation_needed_problem",
    "parse_count",
    "plan_for_day",
    "resolve_area",
    "restore_snapshot",
    "set_deleted",
    "set_targets",
    "targets_problem",
    "text_problem",
    "update_entry",
]


@dataclass(frozen=True)
class EntryRecord:
    uuid: str
    date: dt.date
    targets: tuple[str, ...]
    coordinator: str
    area: int
    organisation: str | None
    case_code: str | None
    count: int
    note: str
    created_at: str
    updated_at: str
    device_id: str
    deleted: bool

    @property
    def fiscal_year(self) -> FiscalYear:
        return FiscalYear.of(self.date)


@dataclass(frozen=True)
class Saved:
    entry: EntryRecord
    warnings: tuple[str, ...] = ()


def device_id() -> str:
    """This store's replica id (the change log's `replica`), made by the first write that needs
    it: opening a store writes nothing.

    A copy of a store file (cp, a copy on a USB stick used on another laptop) is a replica of
    its own: the id is kept with the file's inode and path, and a write to a file whose inode
    AND path both differ takes a new id, so the history never says 「このパソコン」 of a change
    made on the copy. One that differs alone is the same file moved, or remounted (FAT makes
    up inode numbers at each mount). Edits record the revisions they saw, so copies' edits are
    concurrent either way (docs/changelog.md)."""
    here = _file_identity()
    keys = ("device_id", "device_file", "device_path")

    def read() -> dict[str, str]:
        return {str(r.key): str(r.value) for r in Setting.select().where(Setting.key.in_(keys))}

    def copied(rows: dict[str, str]) -> bool:
        if here is None or "device_file" not in rows or "device_path" not in rows:
            return False
        return rows["device_file"] != here[0] and rows["device_path"] != here[1]

    def noted(rows: dict[str, str]) -> bool:
        return here is None or (rows.get("device_file"), rows.get("device_path")) == here

    rows = read()
    current = rows.get("device_id")
    if current is not None and noted(rows):
        return current
    with database.atomic():
        rows = read()  # again, under the write lock: two first writes at once make one id
        current = rows.get("device_id")
        if current is None or copied(rows):
            current = str(uuid.uuid4())  # a new store, or the first write to a copy
            Setting.delete().where(Setting.key == "device_id").execute()
            Setting.insert(key="device_id", value=current).execute()
        if here is not None and not noted(rows):  # where this id lives now
            Setting.delete().where(Setting.key.in_(keys[1:])).execute()
            Setting.insert_many(
                [("device_file", here[0]), ("device_path", here[1])],
                fields=[Setting.key, Setting.value],
            ).execute()
    return current


def _file_identity() -> tuple[str, str] | None:
    """The open store file's inode and resolved path, or None for a server or a file system
    without inodes (FAT on Windows reports 0)."""
    path = open_file()
    if path is None:
        return None
    try:
        ino = path.stat().st_ino
        where = str(path.resolve())
    except OSError:
        return None
    return (f"ino:{ino}", where) if ino else None


def set_targets(entry_id: int, targets: Iterable[str], *, replace: bool = False) -> None:
    """The targets an entry credits (inside the caller's transaction): the one way every
    writer (log, edit, merge, demo) links them; the store's triggers keep the counters."""
    if replace:
        EntryTarget.delete().where(EntryTarget.entry == entry_id).execute()
    EntryTarget.insert_many(
        [(entry_id, t) for t in targets], fields=[EntryTarget.entry, EntryTarget.target_id]
    ).execute()


def link_targets(pairs: Iterable[tuple[int, str]]) -> None:
    """(entry id, target id) links of many new entries at once (a merge materialising
    thousands of entries): set_targets' bulk form, inside the caller's transaction."""
    from chofu_tui.services.changes import insert_rows

    insert_rows(EntryTarget, [EntryTarget.entry, EntryTarget.target_id], list(pairs))


def insert_entry(targets: Iterable[str], **columns: Any) -> Entry:
    """A new entry row with its targets (inside the caller's transaction), `columns` as the
    Entry model names them."""
    entry = Entry.create(**columns)
    set_targets(entry.id, targets)
    return entry


def log_entry(catalog: PlanCatalog, draft: EntryDraft, *, today: dt.date | None = None) -> Saved:
    """Store a new entry; `today` (default: the program's today) refuses dates after it."""
    draft, warnings = check_draft(catalog, draft, today=today)
    stamp = now_stamp()
    with database.atomic():
        dev = device_id()
        org = organisations.find_or_create(draft.organisation, dev) if draft.organisation else None
        entry = insert_entry(
            draft.targets,
            uuid=str(uuid.uuid4()),
            date=draft.date,
            fiscal_year=FiscalYear.of(draft.date).year,
            coordinator=draft.coordinator,
            area=draft.area,
            organisation=org,
            case_code=draft.case_code,
            count=draft.count,
            note=draft.note,
            created_at=stamp,
            updated_at=stamp,
            device_id=dev,
        )
        state = changes.state_of_entry(entry, org.uuid if org else None, draft.targets)
        changes.entry_changed(entry.uuid, "create", stamp, state=state, replica=dev, new=True)
    return Saved(get_entry(entry.uuid), warnings)


def update_entry(
    catalog: PlanCatalog, entry_uuid: str, draft: EntryDraft, *, today: dt.date | None = None
) -> Saved:
    """Give an entry new fields; the same rules as a new one (no date after `today`)."""
    draft, warnings = check_draft(catalog, draft, today=today)
    with database.atomic():
        _overwrite(entry_uuid, draft, op="edit")
    return Saved(get_entry(entry_uuid), warnings)


def _overwrite(
    entry_uuid: str, src: EntryDraft | EntryRecord, deleted: bool | None = None, *, op: str
) -> None:
    """Give an entry the fields and targets of `src` (inside the caller's transaction), and
    append its change (`op`) to the change log."""
    entry = _get(entry_uuid)
    org = organisations.find_or_create(src.organisation, device_id()) if src.organisation else None
    entry.organisation = org
    entry.date = src.date
    entry.fiscal_year = FiscalYear.of(src.date).year
    entry.coordinator = src.coordinator
    assert src.area is not None  # a checked draft or a stored record always has its area
    entry.area = src.area
    entry.case_code = src.case_code
    entry.count = src.count
    entry.note = src.note
    if deleted is not None:
        entry.deleted = deleted
    stamp = entry.updated_at = now_stamp()
    entry.save()
    set_targets(entry.id, src.targets, replace=True)
    state = changes.state_of_entry(entry, org.uuid if org else None, src.targets)
    changes.entry_changed(entry.uuid, op, stamp, state=state)


def _get(entry_uuid: str) -> Entry:
    entry = Entry.get_or_none(Entry.uuid == entry_uuid.strip().lower())
    if entry is None:
        raise UserError(f"記録 {entry_uuid} はありません", "no such entry")
    return entry


def set_deleted(entry_uuid: str, deleted: bool) -> EntryRecord:
    """Delete (leave a tombstone) or restore an entry."""
    with database.atomic():
        entry = _get(entry_uuid)
        if entry.deleted == deleted:
            state = "既に削除されています" if deleted else "削除されていません"
            raise UserError(f"記録 {entry.uuid} は{state}", "nothing to change")
        entry.deleted = deleted
        stamp = entry.updated_at = now_stamp()
        entry.save()
        changes.entry_changed(entry.uuid, "delete" if deleted else "restore", stamp)
    return get_entry(entry.uuid)


def restore_snapshot(record: EntryRecord) -> EntryRecord:
    """Put an entry back exactly as `record` shows it (undo of an edit or a delete)."""
    with database.atomic():
        was_deleted = bool(_get(record.uuid).deleted)
        op = "edit"
        if was_deleted != record.deleted:
            op = "delete" if record.deleted else "restore"
        _overwrite(record.uuid, record, deleted=record.deleted, op=op)
    return get_entry(record.uuid)


MIN_PREFIX = 6  # hex characters of an entry id that name it, as git takes a commit's prefix
_HEX = re.compile(r"[0-9a-f-]+")


def find_entry(prefix: str) -> EntryRecord:
    """The entry (deleted ones too) whose id is `prefix` or starts with it: at least
    MIN_PREFIX hex characters. Unknown, too short or ambiguous: a UserError (exit 2) that
    lists the candidates."""
    text = unicodedata.normalize("NFKC", prefix).strip().lower()
    shown = safetext.one_line(prefix)[:40]
    if not _HEX.fullmatch(text) or len(text.replace("-", "")) < MIN_PREFIX:
        raise UserError(
            f"記録の id '{shown}' は、id 全体か先頭の {MIN_PREFIX} 文字以上 (0-9, a-f) で"
            "指定してください (「chofu-tui log」で確かめられます)",
            "give an entry id or a prefix of at least 6 hex characters",
        )
    # LIKE treats no character of [0-9a-f-] specially
    rows = list(
        Entry.select(Entry.uuid).where(Entry.uuid.startswith(text)).order_by(Entry.uuid).limit(11)
    )
    if not rows:
        raise UserError(f"記録 {shown} はありません", "no such entry")
    if len(rows) > 1:
        found = [get_entry(r.uuid) for r in rows[:10]]
        listed = "\n".join(
            f"  {r.uuid}  {r.date.isoformat()}  {','.join(r.targets)}"
            + ("  [削除]" if r.deleted else "")
            for r in found
        )
        more = "\n  ほか" if len(rows) > 10 else ""
        raise UserError(
            f"記録の id '{shown}' で始まる記録が複数あります。もっと長く指定してください:\n"
            f"{listed}{more}",
            "ambiguous entry id",
        )
    return get_entry(rows[0].uuid)


def get_entry(entry_uuid: str) -> EntryRecord:
    return list_entries(uuid=_get(entry_uuid).uuid, include_deleted=True)[0]


def targets_column() -> Any:
    """An entry's target ids as one comma-joined column: a correlated subquery, so a listing
    walks its index in order instead of grouping every entry (issue 5)."""
    joined = (
        fn.string_agg(EntryTarget.target_id, ",")  # PostgreSQL's name for it
        if is_postgres(database)
        else fn.GROUP_CONCAT(EntryTarget.target_id)
    )
    return EntryTarget.select(joined).where(EntryTarget.entry == Entry.id).alias("target_ids")


def list_entries(
    fiscal_year: int | None = None,
    *,
    uuid: str | None = None,
    include_deleted: bool = False,
    target: str | None = None,
    area: int | None = None,
    organisation: str | None = None,
    text: str | None = None,
    coordinator: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[EntryRecord]:
    """Entries, newest first (by date, then by when they were logged).

    `limit` and `offset` page through them (a screen can show the first page at once).
    Each entry's targets come from a correlated subquery rather than a join and GROUP BY,
    so SQLite walks the (fiscal_year, deleted, date) index in order instead of grouping
    every entry; rows are read as plain tuples (issue 5: 13,000 rows in well under 200 ms).
    """
    targets = targets_column()
    query = (
        Entry.select(
            Entry.uuid,
            Entry.date,
            targets,
            Entry.coordinator,
            Entry.area,
            Organisation.name,
            Entry.case_code,
            Entry.count,
            Entry.note,
            Entry.created_at,
            Entry.updated_at,
            Entry.device_id,
            Entry.deleted,
        )
        .join(Organisation, JOIN.LEFT_OUTER, on=(Entry.organisation == Organisation.id))
        # then by when logged, then by id: the same order in every store that holds the
        # same entries (a local row id depends on the order a merge brought them in)
        .order_by(Entry.date.desc(), Entry.created_at.desc(), Entry.uuid.desc())
    )
    if fiscal_year is not None:
        query = query.where(Entry.fiscal_year == fiscal_year)
    if uuid is not None:
        query = query.where(Entry.uuid == uuid)
    if not include_deleted:
        query = query.where(Entry.deleted == False)  # noqa: E712
    if target:
        sub = EntryTarget.select(EntryTarget.entry).where(EntryTarget.target_id == target)
        query = query.where(Entry.id.in_(sub))
    if area is not None:
        query = query.where(Entry.area == area)
    if coordinator:
        query = query.where(Entry.coordinator.contains(coordinator.strip()))
    if since is not None:
        query = query.where(Entry.date >= since)
    if until is not None:
        query = query.where(Entry.date <= until)
    if organisation:
        query = query.where(Organisation.key.contains(organisations.org_key(organisation)))
    if text:
        like = f"%{text}%"
        query = query.where(
            Entry.note.contains(text) | Organisation.name**like | Entry.coordinator**like
        )
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)  # no limit: peewee says what each engine takes
    # Built without EntryRecord.__init__: a frozen dataclass sets each of its 13 fields
    # through object.__setattr__, which was a third of the time of a 13,000-row log.
    make, names, date = object.__new__, _RECORD_FIELDS, dt.date.fromisoformat
    records = []
    for row in database.execute(query):
        uuid_, day, target_ids, *middle, deleted = row
        if target_ids is None:
            continue  # an entry always credits a target; one without was never listed
        record = make(EntryRecord)
        record.__dict__.update(
            zip(
                names,
                (
                    uuid_,
                    day if isinstance(day, dt.date) else date(day),
                    tuple(sorted(target_ids.split(","))),
                    *middle,
                    bool(deleted),
                ),
                strict=True,
            )
        )
        records.append(record)
    return records


_RECORD_FIELDS = tuple(f.name for f in fields(EntryRecord))
