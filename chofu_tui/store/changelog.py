"""The change log's storage: the table of schema version 5, the JSON state of a record, and
the seed changes of a store made before version 5 (docs/changelog.md).

The seed function reads plain SQLite (a store being migrated, or a merge source file of any
version before 5) through a `sqlite3.Connection`; everything that reads or writes the bound
store goes through services/changes.py and peewee's query builder."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

# One fixed namespace: the seed of a row is the same change on every laptop that holds it.
NAMESPACE = uuid.UUID("5d3c8c2e-6f0b-4c55-9d7e-1c4f0e2b7a13")

KINDS = ("entry", "organisation", "evaluation")
OPS = ("create", "edit", "delete", "restore", "rename", "fold", "write", "resolve", "seed")

# Written out, not from the model, so that this step stays what it was when the model changes.
DDL = (
    "CREATE TABLE IF NOT EXISTS change ("
    " id INTEGER NOT NULL PRIMARY KEY,"
    " change_id TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " record TEXT NOT NULL,"
    " op TEXT NOT NULL,"
    " clock INTEGER NOT NULL,"
    " replica TEXT NOT NULL,"
    " at TEXT NOT NULL,"
    " coordinator TEXT NOT NULL DEFAULT '',"
    " base TEXT NOT NULL DEFAULT '[]',"
    " state TEXT NOT NULL,"
    " head INTEGER NOT NULL DEFAULT 1,"
    " received_at TEXT)",
    "CREATE INDEX IF NOT EXISTS change_record_head ON change (record, head)",
    "CREATE INDEX IF NOT EXISTS change_clock ON change (clock)",
)

# The columns of the change table in the order the seed rows and inserts use.
COLUMNS = (
    "change_id", "kind", "record", "op", "clock", "replica", "at", "coordinator", "base",
    "state", "head", "received_at",
)  # fmt: skip


def dumps(value: Any) -> str:
    """The one JSON form of a state or a base: keys sorted, compact, text as it is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def evaluation_record(fiscal_year: int, initiative_id: str) -> str:
    """The record id of a 評価・課題: one record per year and initiative, whoever wrote it."""
    return f"{fiscal_year}:{initiative_id}"


def entry_state(
    *,
    area: Any,
    case_code: Any,
    coordinator: Any,
    count: Any,
    created_at: Any,
    date: Any,
    deleted: Any,
    device_id: Any,
    note: Any,
    organisation: str | None,
    targets: list[str] | tuple[str, ...],
) -> dict[str, Any]:
    return {
        "area": area,
        "case_code": case_code,
        "coordinator": coordinator if coordinator is not None else "",
        "count": count,
        "created_at": created_at,
        "date": str(date),
        "deleted": bool(deleted),
        "device_id": device_id,
        "note": note if note is not None else "",
        "organisation": organisation,
        "targets": sorted(targets),
    }


def organisation_state(
    *, created_at: Any, device_id: Any, merged_into: str | None, name: Any
) -> dict[str, Any]:
    return {
        "created_at": created_at,
        "device_id": device_id,
        "merged_into": merged_into,
        "name": name,
    }


def evaluation_state(
    *,
    created_at: Any,
    device_id: Any,
    fiscal_year: Any,
    initiative_id: Any,
    text: Any,
    uuid: Any,
) -> dict[str, Any]:
    return {
        "created_at": created_at,
        "device_id": device_id,
        "fiscal_year": fiscal_year,
        "initiative_id": initiative_id,
        "text": text,
        "uuid": uuid,
    }


def seed_id(kind: str, record: str, updated_at: str, state_json: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}|{record}|{updated_at}|{state_json}"))


def seed(
    kind: str, record: str, updated_at: Any, device_id: Any, coordinator: Any, state: dict
) -> tuple:
    """One seed change as a tuple in the order of COLUMNS."""
    text = dumps(state)
    at = str(updated_at)
    return (
        seed_id(kind, record, at, text),
        kind,
        record,
        "seed",
        0,
        str(device_id),
        at,
        coordinator if isinstance(coordinator, str) else "",
        "[]",
        text,
        1,
        None,
    )


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def seed_rows(con: sqlite3.Connection) -> Iterator[tuple]:
    """The seed changes of a store before version 5 (its rows as they are), as tuples in the
    order of COLUMNS: op 'seed', clock 0, base [], head 1, replica = the row's device id,
    at = its updated_at. Read with plain SQLite: a file being migrated, or a merge source."""
    orgs: dict[Any, str] = {}
    for row in con.execute(
        "SELECT o.uuid, o.name, o.created_at, o.updated_at, o.device_id, m.uuid"
        " FROM organisation o LEFT JOIN organisation m ON m.id = o.merged_into_id"
    ):
        uid, name, created, updated, device, merged = row
        state = organisation_state(
            created_at=created, device_id=device, merged_into=merged, name=name
        )
        yield seed("organisation", str(uid), updated, device, "", state)
    for oid, uid in con.execute("SELECT id, uuid FROM organisation"):
        orgs[oid] = uid
    # One pass over entries with their targets as a JSON array (a target id could hold a comma).
    query = (
        "SELECT e.uuid, e.date, e.coordinator, e.area, e.organisation_id, e.case_code,"
        " e.count, e.note, e.created_at, e.updated_at, e.device_id, e.deleted,"
        " (SELECT json_group_array(t.target_id) FROM entry_target t WHERE t.entry_id = e.id)"
        " FROM entry e ORDER BY e.id"
    )
    for row in con.execute(query):
        (uid, day, coordinator, area, org_id, case, count, note, created, updated, device,
         deleted, targets) = row  # fmt: skip
        state = entry_state(
            area=area,
            case_code=case,
            coordinator=coordinator,
            count=count,
            created_at=created,
            date=day,
            deleted=deleted,
            device_id=device,
            note=note,
            # an id that names no organisation stays visible, for a merge to refuse it
            organisation=(orgs.get(org_id, f"missing:{org_id}") if org_id is not None else None),
            targets=[str(t) for t in json.loads(targets or "[]")],
        )
        yield seed("entry", str(uid), updated, device, coordinator, state)
    if _has_table(con, "evaluation"):
        for row in con.execute(
            "SELECT uuid, fiscal_year, initiative_id, text, created_at, updated_at, device_id"
            " FROM evaluation ORDER BY id"
        ):
            uid, year, initiative, text, created, updated, device = row
            state = evaluation_state(
                created_at=created,
                device_id=device,
                fiscal_year=year,
                initiative_id=initiative,
                text=text,
                uuid=uid,
            )
            record = evaluation_record(year, initiative)
            yield seed("evaluation", record, updated, device, "", state)


def create(con: sqlite3.Connection) -> None:
    """Make the change table and seed it from the store's rows (inside the migration's
    transaction). A table that is already there keeps its changes: no second seed."""
    if _has_table(con, "change"):
        return
    for statement in DDL:
        con.execute(statement)
    placeholders = ", ".join("?" for _ in COLUMNS)
    con.executemany(
        f"INSERT OR IGNORE INTO change ({', '.join(COLUMNS)}) VALUES ({placeholders})",
        seed_rows(con),
    )
