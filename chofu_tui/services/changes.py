"""The change log engine (docs/changelog.md): every write of an entry, organisation or
評価・課題 appends one change carrying the record's whole state; the entry, organisation
and evaluation tables are materialised from the changes, so two stores holding the same
changes show the same rows, whatever order the changes came in.

Public API (names are stable; other modules build on them):
- ChangeRow, Conflict, ConflictNote, ApplyReport: the values below return.
- record_change(kind, record, op, state, *, at=None, coordinator=None) -> ChangeRow:
  append a local change (base = the record's heads) inside the caller's transaction.
- record_created(kind, [(record, state, at)]): the create changes of many new records.
- state_of_entry(entry, organisation_uuid, targets): an Entry instance's state (no query).
- entry_changed(entry_uuid, op, at, *, state, replica, new), organisation_changed(org_uuid, op, at),
  evaluation_changed(fiscal_year, initiative_id, op, at): the same from the row as just
  written by a service (entries, organisations, evaluations, demo).
- next_clock() -> int: max(clock) + 1 over every change here.
- heads(kind, record) -> list[ChangeRow]: the record's heads, in local arrival order.
- winner(kind, heads) -> ChangeRow: the deterministic winner among heads.
- revision(change) -> tuple: the sort key (clock, at, replica, change_id).
- conflicts() -> list[Conflict]; conflict(kind, record) -> Conflict | None.
- resolve(record, keep: "mine" | "theirs") -> ChangeRow.
- history(kind, record) -> list[ChangeRow]: every change of a record in revision order.
- export_all() -> list[ChangeRow]: the bound store's changes in local arrival order.
- read_changes(con) -> list[ChangeRow]: the changes of a store file opened with sqlite3
  (a store before version 5: the seeds its migration would make).
- apply(incoming, catalog, *, skip_invalid, source_label) -> ApplyReport: validate, store
  and re-materialise incoming changes (inside the caller's transaction).
- materialise(kind, records), materialise_organisations(): rebuild rows from the log.
- purged_before() -> int | None: the purge watermark (setting purged_before_fy).
- entry_state_of(entry_uuid), winning_state(kind, record): states as the log holds them.
- insert_rows(model, fields, rows): many rows through one prepared statement.

Every read and write of the bound store goes through peewee's query builder (the same code
runs on PostgreSQL); only a source FILE is read with SQLite SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from peewee import fn

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services.clock import now_stamp
from chofu_tui.store import changelog
from chofu_tui.store.changelog import (
    KINDS,
    OPS,
    dumps,
    entry_state,
    evaluation_record,
    evaluation_state,
    organisation_state,
)
from chofu_tui.store.models import (
    Change,
    Entry,
    EntryTarget,
    Evaluation,
    Organisation,
    Setting,
    database,
)

if TYPE_CHECKING:  # checks imports entries, which imports this module
    from chofu_tui.services import checks

Kind = Literal["entry", "organisation", "evaluation"]
CHUNK = 500  # ids per IN (...) list: well under every engine's limit of parameters
PURGE_SETTING = "purged_before_fy"
# A Lamport clock grows by one per change; a source claiming more is damaged (and would
# overflow an engine's 64-bit integer for every change after it).
MAX_CLOCK = 2**53


@dataclass(frozen=True)
class ChangeRow:
    change_id: str
    kind: str
    record: str
    op: str
    clock: int
    replica: str
    at: str
    coordinator: str
    base: tuple[str, ...]
    state: dict[str, Any]
    head: bool = True
    received: bool = False
    received_at: str | None = None  # when it came in here (None: made here)
    seq: int = 0  # local arrival order (the change table's id); 0 for a source's change

    @property
    def revision(self) -> tuple[int, str, str, str]:
        return revision(self)


@dataclass(frozen=True)
class Conflict:
    kind: str
    record: str
    mine: ChangeRow  # the head in this store longest
    theirs: ChangeRow  # the head that came last
    winner: ChangeRow  # the one materialised until the conflict is resolved


@dataclass(frozen=True)
class ConflictNote:
    """A record that became a conflict in a merge, as the report names it."""

    kind: str
    record: str
    label: str  # one line: entry: date and targets; others: name or year:initiative


@dataclass
class ApplyReport:
    source: str
    changes_new: int = 0
    entries_new: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    entries_deleted: int = 0
    organisations_new: int = 0
    organisations_updated: int = 0
    evaluations_new: int = 0
    evaluations_updated: int = 0
    conflicts: list[ConflictNote] = field(default_factory=list)
    skipped: list[checks.Problem] = field(default_factory=list)
    purged: int = 0


def _raw(model: Any) -> Any:
    """A model for a query read as plain tuples (peewee's stubs type those rows as models)."""
    return model


def revision(change: ChangeRow) -> tuple[int, str, str, str]:
    """The sort key of a revision: the Lamport clock first; wall time only breaks its ties."""
    return (change.clock, change.at, change.replica, change.change_id)


# --- reading the bound store -------------------------------------------------------------

_FIELDS = (
    Change.id,
    Change.change_id,
    Change.kind,
    Change.record,
    Change.op,
    Change.clock,
    Change.replica,
    Change.at,
    Change.coordinator,
    Change.base,
    Change.state,
    Change.head,
    Change.received_at,
)


def _from_tuple(row: Sequence[Any]) -> ChangeRow:
    (seq, cid, kind, record, op, clock, replica, at, coordinator, base, state, head,
     received_at) = row  # fmt: skip
    return ChangeRow(
        change_id=cid,
        kind=kind,
        record=record,
        op=op,
        clock=int(clock),
        replica=replica,
        at=at,
        coordinator=coordinator or "",
        base=tuple(json.loads(base or "[]")),
        state=json.loads(state),
        head=bool(head),
        received=received_at is not None,
        received_at=received_at,
        seq=int(seq),
    )


def _select(where: Any) -> list[ChangeRow]:
    query = _raw(Change).select(*_FIELDS).where(where).order_by(Change.id).tuples()
    return [_from_tuple(r) for r in query]


def insert_rows(model: Any, fields: list[Any], rows: list[tuple[Any, ...]]) -> None:
    """Many rows through one statement executed for each (DB-API executemany), its SQL
    written by peewee for the bound engine: a merge stores 100,000 changes in a second where
    building one INSERT per batch spent most of its time in peewee."""
    if not rows:
        return
    # .returning(): no RETURNING clause (PostgreSQL would add one for the primary key)
    sql, params = model.insert_many([rows[0]], fields=fields).returning().sql()
    if len(params) != len(fields):
        # peewee added a column's default the rows do not carry: its own batches, then
        for i in range(0, len(rows), 100):
            model.insert_many(rows[i : i + 100], fields=fields).execute()
        return
    cursor = database.cursor()
    cursor.executemany(sql, rows)


MANY = 2000  # keys beyond which one pass over the table beats lists of IN (...)


def _where_in(query: Any, field: Any, values: Iterable[Any]) -> Iterator[Any]:
    """The rows of `query` whose `field` is one of `values`, as tuples: by IN lists for a
    few values; for many (a merge of 100,000 entries), one pass over the query, filtered
    here (building IN lists of that size costs more in peewee than SQLite's scan)."""
    wanted = set(values)
    if not wanted:
        return
    if len(wanted) > MANY:
        # by identity: a peewee field's == builds an expression
        position = next(i for i, f in enumerate(query._returning) if f is field)
        for row in database.execute(query):  # plain rows: no per-value conversion
            if row[position] in wanted:
                yield row
        return
    for chunk in _chunks(sorted(wanted)):
        yield from database.execute(query.where(field.in_(list(chunk))))


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def heads(kind: str, record: str) -> list[ChangeRow]:
    """The record's heads (the changes no change here was based on), oldest here first."""
    return _select((Change.record == record) & (Change.kind == kind) & (Change.head == 1))


def heads_of(kind: str, records: Iterable[str]) -> dict[str, list[ChangeRow]]:
    """Heads of many records at once: record -> heads, oldest here first."""
    out: dict[str, list[ChangeRow]] = {}
    query = (
        _raw(Change)
        .select(*_FIELDS)
        .where((Change.kind == kind) & (Change.head == 1))
        .order_by(Change.id)
    )
    for row in _where_in(query, Change.record, records):
        c = _from_tuple(row)
        out.setdefault(c.record, []).append(c)
    for hs in out.values():
        hs.sort(key=lambda c: c.seq)
    return out


def history(kind: str, record: str) -> list[ChangeRow]:
    """Every change of the record here, in revision order (oldest first)."""
    return sorted(_select((Change.record == record) & (Change.kind == kind)), key=revision)


def export_all() -> list[ChangeRow]:
    """Every change of the bound store, in local arrival order."""
    return [_from_tuple(r) for r in _raw(Change).select(*_FIELDS).order_by(Change.id).tuples()]


def next_clock() -> int:
    """The Lamport clock of the next local change: one more than any change here."""
    top = _raw(Change).select(fn.MAX(Change.clock)).scalar()
    return int(top or 0) + 1


def winner(kind: str, candidates: Sequence[ChangeRow]) -> ChangeRow:
    """The head that is materialised: for entries a deletion that did not see an edit stands
    over it; then the highest revision."""
    pool = list(candidates)
    if kind == "entry":
        deleted = [c for c in pool if c.state.get("deleted")]
        if deleted:
            pool = deleted
    return max(pool, key=revision)


def _differ(hs: Sequence[ChangeRow]) -> bool:
    """Heads that make a conflict: states that differ. Migration seeds (two laptops' rows
    before version 5) that differ only by an edit are not: the later updated_at wins as it
    always did, and eight upgraded laptops are not flooded with false conflicts. A deletion
    against an edit is one even then: the deletion stands, and the edit must stay findable."""
    if len(hs) < 2:
        return False
    if all(h.op == "seed" for h in hs):
        return len({bool(h.state.get("deleted")) for h in hs}) > 1
    return any(h.state != hs[0].state for h in hs[1:])


def _conflict_of(kind: str, record: str, hs: Sequence[ChangeRow]) -> Conflict | None:
    if not _differ(hs):
        return None
    ordered = sorted(hs, key=lambda c: c.seq)
    return Conflict(kind, record, ordered[0], ordered[-1], winner(kind, hs))


def conflict(kind: str, record: str) -> Conflict | None:
    """The record's conflict (two or more heads whose states differ), or None."""
    return _conflict_of(kind, record, heads(kind, record))


def conflicts() -> list[Conflict]:
    """Every record with heads that differ, entries first, then by record id."""
    query = (
        _raw(Change)
        .select(Change.kind, Change.record)
        .where(Change.head == 1)
        .group_by(Change.kind, Change.record)
        .having(fn.COUNT(Change.id) > 1)
        .tuples()
    )
    found: list[Conflict] = []
    by_kind: dict[str, list[str]] = {}
    for kind, record in query:
        by_kind.setdefault(kind, []).append(record)
    for kind in KINDS:
        for record, hs in sorted(heads_of(kind, by_kind.get(kind, [])).items()):
            if (c := _conflict_of(kind, record, hs)) is not None:
                found.append(c)
    return found


def purged_before() -> int | None:
    row = Setting.get_or_none(Setting.key == PURGE_SETTING)
    try:
        return int(row.value) if row is not None else None
    except ValueError:
        return None


# --- local writes ------------------------------------------------------------------------


def _replica() -> str:
    from chofu_tui.services.entries import device_id

    return device_id()


def _who(state: dict[str, Any]) -> str:
    from chofu_tui.services import settings

    return settings.load().coordinator or str(state.get("coordinator") or "")


def record_change(
    kind: str,
    record: str,
    op: str,
    state: dict[str, Any],
    *,
    at: str | None = None,
    coordinator: str | None = None,
    replica: str | None = None,
    new: bool = False,
) -> ChangeRow:
    """Append a change made here (inside the caller's transaction): base = the record's
    current heads, which stop being heads; the new change is the record's only head.
    `new`: a record made by this very write (no heads to look up: a save stays fast);
    `replica`: the device id when the caller has it at hand."""
    assert kind in KINDS and op in OPS
    with database.atomic():
        seen = (
            []
            if new
            else list(
                _raw(Change)
                .select(Change.id, Change.change_id)
                .where((Change.record == record) & (Change.kind == kind) & (Change.head == 1))
                .tuples()
            )
        )
        if seen:
            Change.update(head=0).where(Change.id.in_([s[0] for s in seen])).execute()
        base = tuple(sorted(cid for _, cid in seen))
        row: dict[str, Any] = {
            "change_id": str(uuid_module.uuid4()),
            "kind": kind,
            "record": record,
            "op": op,
            "clock": next_clock(),
            "replica": replica or _replica(),
            "at": at or now_stamp(),
            "coordinator": coordinator if coordinator is not None else _who(state),
            "base": dumps(list(base)),
            "state": dumps(state),
            "head": 1,
            "received_at": None,
        }
        seq = Change.insert(**row).execute()
    return ChangeRow(
        change_id=row["change_id"],
        kind=kind,
        record=record,
        op=op,
        clock=row["clock"],
        replica=row["replica"],
        at=row["at"],
        coordinator=row["coordinator"],
        base=base,
        state=json.loads(row["state"]),
        seq=int(seq),
    )


def record_created(kind: str, created: Sequence[tuple[str, dict[str, Any], str]]) -> None:
    """Append the create changes of many records new here (record, state, at), inside the
    caller's transaction: one statement for all of them (the demo's year of entries)."""
    from chofu_tui.services import settings

    if not created:
        return
    clock = next_clock()
    replica = _replica()
    who = settings.load().coordinator
    insert_rows(
        Change,
        [getattr(Change, name) for name in changelog.COLUMNS],
        [
            (str(uuid_module.uuid4()), kind, record, "create", clock + i, replica, at,
             who or str(state.get("coordinator") or ""), "[]", dumps(state), 1, None)
            for i, (record, state, at) in enumerate(created)
        ],
    )  # fmt: skip


def entry_state_of(entry_uuid: str) -> dict[str, Any]:
    """The state of an entry as its row now holds it (organisation: its uuid)."""
    e: Any = Entry.get(Entry.uuid == entry_uuid)
    org = (
        _raw(Organisation)
        .select(Organisation.uuid)
        .where(Organisation.id == e.organisation_id)
        .scalar()
        if e.organisation_id is not None
        else None
    )
    targets = [
        t
        for (t,) in _raw(EntryTarget)
        .select(EntryTarget.target_id)
        .where(EntryTarget.entry == e.id)
        .tuples()
    ]
    return state_of_entry(e, org, targets)


def entry_changed(
    entry_uuid: str,
    op: str,
    at: str,
    *,
    state: dict[str, Any] | None = None,
    replica: str | None = None,
    new: bool = False,
) -> ChangeRow:
    """Record the entry's row as just written by a service (log, edit, delete, restore...).
    `state`: the row's state when the writer has it at hand (else it is read back)."""
    if state is None:
        state = entry_state_of(entry_uuid)
    return record_change("entry", entry_uuid, op, state, at=at, replica=replica, new=new)


def state_of_entry(entry: Any, organisation: str | None, targets: Iterable[str]) -> dict[str, Any]:
    """The state of an Entry model instance as just saved, its organisation's uuid and
    targets given by the writer (no query)."""
    day = entry.date
    return entry_state(
        area=entry.area,
        case_code=entry.case_code,
        coordinator=entry.coordinator,
        count=entry.count,
        created_at=entry.created_at,
        date=day.isoformat() if isinstance(day, dt.date) else str(day),
        deleted=entry.deleted,
        device_id=entry.device_id,
        note=entry.note,
        organisation=organisation,
        targets=list(targets),
    )


def _org_state_of_row(org: Organisation) -> dict[str, Any]:
    merged = (
        _raw(Organisation)
        .select(Organisation.uuid)
        .where(Organisation.id == org.merged_into_id)
        .scalar()
        if org.merged_into_id is not None
        else None
    )
    return organisation_state(
        created_at=org.created_at, device_id=org.device_id, merged_into=merged, name=org.name
    )


def winning_state(kind: str, record: str) -> dict[str, Any] | None:
    hs = heads(kind, record)
    return dict(winner(kind, hs).state) if hs else None


def organisation_changed(
    org_uuid: str, op: str, at: str, *, name: str | None = None, merged_into: str | None = None
) -> ChangeRow:
    """Record an organisation change made here: its winning state (or its row, for a new one)
    with the new name (rename) or the organisation it is folded into (fold)."""
    state = winning_state("organisation", org_uuid)
    if state is None:
        state = _org_state_of_row(Organisation.get(Organisation.uuid == org_uuid))
    if name is not None:
        state["name"] = name
    if op == "fold":
        state["merged_into"] = merged_into
    return record_change("organisation", org_uuid, op, state, at=at, coordinator=_who({}))


def evaluation_changed(fiscal_year: int, initiative_id: str, op: str, at: str) -> ChangeRow:
    row = Evaluation.get(
        (Evaluation.fiscal_year == fiscal_year) & (Evaluation.initiative_id == initiative_id)
    )
    state = evaluation_state(
        created_at=row.created_at,
        device_id=row.device_id,
        fiscal_year=row.fiscal_year,
        initiative_id=row.initiative_id,
        text=row.text,
        uuid=row.uuid,
    )
    record = evaluation_record(row.fiscal_year, row.initiative_id)
    return record_change("evaluation", record, op, state, at=at, coordinator=_who({}))


# --- materialising -----------------------------------------------------------------------


def _org_key(name: str) -> str:
    from chofu_tui.services.organisations import org_key

    return org_key(name)


def _org_name(name: str) -> str:
    from chofu_tui.services.organisations import display_name

    return display_name(name)


@dataclass
class _OrgRow:
    id: int
    uuid: str
    name: str
    key: str
    merged_into_id: int | None
    created_at: str
    updated_at: str
    device_id: str


def _org_rows() -> dict[str, _OrgRow]:
    query = (
        _raw(Organisation)
        .select(
            Organisation.id,
            Organisation.uuid,
            Organisation.name,
            Organisation.key,
            Organisation.merged_into,
            Organisation.created_at,
            Organisation.updated_at,
            Organisation.device_id,
        )
        .tuples()
    )
    return {r[1]: _OrgRow(*r) for r in query}


def _survivors_of_rows(rows: dict[str, _OrgRow]) -> dict[str, str]:
    by_id = {r.id: r for r in rows.values()}
    out: dict[str, str] = {}
    for u, r in rows.items():
        seen = {r.id}
        cur = r
        while cur.merged_into_id is not None and cur.merged_into_id in by_id:
            cur = by_id[cur.merged_into_id]
            if cur.id in seen:
                break
            seen.add(cur.id)
        out[u] = cur.uuid
    return out


def materialise_organisations() -> dict[str, tuple[str, str]]:
    """Rebuild every organisation row from its winning state (inside the caller's
    transaction) and re-point the entries of organisations whose survivor changed.

    Returns uuid -> (old survivor, new survivor) for those whose survivor changed."""
    rows = _org_rows()
    query = (
        _raw(Change)
        .select(*_FIELDS)
        .where((Change.kind == "organisation") & (Change.head == 1))
        .tuples()
    )
    hs: dict[str, list[ChangeRow]] = {}
    for r in query:
        c = _from_tuple(r)
        hs.setdefault(c.record, []).append(c)
    won = {u: winner("organisation", cs) for u, cs in hs.items()}
    # every organisation: its state (a row without changes keeps what it says)
    states: dict[str, dict[str, Any]] = {u: c.state for u, c in won.items()}
    by_id = {r.id: r.uuid for r in rows.values()}
    for u, r in rows.items():
        if u not in states:
            states[u] = {
                "name": r.name,
                "merged_into": by_id.get(r.merged_into_id) if r.merged_into_id else None,
                "created_at": r.created_at,
                "device_id": r.device_id,
            }
    target: dict[str, str | None] = {
        u: (s.get("merged_into") if s.get("merged_into") in states else None)
        for u, s in states.items()
    }
    # a cycle of folds: the organisation with the smallest uuid in it stays live
    done: set[str] = set()
    for start in sorted(states):
        path: list[str] = []
        on_path: set[str] = set()
        cur: str | None = start
        while cur is not None and cur not in done and cur not in on_path:
            path.append(cur)
            on_path.add(cur)
            cur = target[cur]
        if cur is not None and cur in on_path:
            cycle = path[path.index(cur) :]
            target[min(cycle)] = None
        done.update(path)

    def root(u: str) -> str:
        while (t := target[u]) is not None:
            u = t
        return u

    # two live organisations with one key (the same salon typed on two laptops) are one
    keys = {u: _org_key(str(s.get("name") or "")) for u, s in states.items()}
    live_by_key: dict[str, list[str]] = {}
    for u in sorted(states):
        if target[u] is None:
            live_by_key.setdefault(keys[u], []).append(u)
    for same in live_by_key.values():
        for u in same[1:]:
            target[u] = same[0]
    survivor = {u: root(u) for u in states}
    # the key column is unique: the live one holds the plain key, the others key#uuid
    holder: dict[str, str] = {}
    for u in sorted(states):
        k = keys[u]
        if k not in holder or (survivor[u] == u and survivor[holder[k]] != holder[k]):
            holder[k] = u
    column_key = {u: (keys[u] if holder[keys[u]] == u else f"{keys[u]}#{u}") for u in states}
    old_survivor = _survivors_of_rows(rows)

    # write: new rows first (no fold yet), then every changed column; keys that move go
    # through a temporary value so that two rows never hold one key at once
    stamp_of = {u: c.at for u, c in won.items()}
    for u in sorted(states):
        if u in rows or u not in won:
            continue
        s = states[u]
        new_id = Organisation.insert(
            uuid=u,
            name=_org_name(str(s["name"])),
            key=f"{column_key[u]}#new",
            created_at=s["created_at"],
            updated_at=stamp_of[u],
            device_id=s["device_id"],
        ).execute()
        rows[u] = _OrgRow(new_id, u, "", f"{column_key[u]}#new", None, "", "", "")
    moving = [u for u in won if rows[u].key != column_key[u]]
    for u in moving:
        Organisation.update(key=f"{column_key[u]}#{u}#moving").where(
            Organisation.id == rows[u].id
        ).execute()
    for u in sorted(states):
        if u not in won:
            continue
        r, s = rows[u], states[u]
        surv = survivor[u]
        want = {
            "name": _org_name(str(s["name"])),
            "key": column_key[u],
            "merged_into_id": rows[surv].id if surv != u else None,
            "created_at": s["created_at"],
            "updated_at": stamp_of[u],
            "device_id": s["device_id"],
        }
        have = {
            "name": r.name,
            "key": r.key if u not in moving else None,
            "merged_into_id": r.merged_into_id,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "device_id": r.device_id,
        }
        if want != have:
            update = {k: v for k, v in want.items() if have[k] != v}
            if "merged_into_id" in update:
                update["merged_into"] = update.pop("merged_into_id")
            Organisation.update(**update).where(Organisation.id == r.id).execute()
    moved = {
        u: (old_survivor.get(u, u), survivor[u])
        for u in states
        if old_survivor.get(u, u) != survivor[u]
    }
    _repoint_entries(moved, {u: r.id for u, r in rows.items()})
    return moved


def _repoint_entries(moved: dict[str, tuple[str, str]], ids: dict[str, int]) -> None:
    """Entries of organisations whose survivor changed now count for the new survivor. A fold
    moves the materialised rows only; the entries' changes are not touched."""
    if not moved:
        return
    scan: list[str] = []
    for u, (old, new) in moved.items():
        if u == old:  # was live, is folded now: every entry it held moves with it
            Entry.update(organisation=ids[new]).where(Entry.organisation == ids[u]).execute()
    for u, (old, new) in moved.items():
        if u != old and not (old in moved and moved[old][1] == new):
            scan.append(u)  # un-folded, or moved elsewhere than its old survivor
    if not scan:
        return
    records: set[str] = set()
    for u in scan:
        needle = f'"organisation":"{u}"'
        query = (
            _raw(Change)
            .select(Change.record)
            .where((Change.kind == "entry") & (Change.head == 1) & Change.state.contains(needle))
        )
        records.update(r for (r,) in query.tuples())
    materialise("entry", records)


EntryImage = tuple[Any, ...]  # a materialised entry, comparable: columns then targets


def _entry_images(records: Sequence[str]) -> dict[str, tuple[int, EntryImage]]:
    query = _raw(Entry).select(
        Entry.id,
        Entry.uuid,
        Entry.date,
        Entry.coordinator,
        Entry.area,
        Entry.organisation,
        Entry.case_code,
        Entry.count,
        Entry.note,
        Entry.created_at,
        Entry.updated_at,
        Entry.device_id,
        Entry.deleted,
    )
    rows = list(_where_in(query, Entry.uuid, records))
    targets: dict[int, list[str]] = {}
    links = _raw(EntryTarget).select(EntryTarget.entry, EntryTarget.target_id)
    for entry_id, target_id in _where_in(links, EntryTarget.entry, [r[0] for r in rows]):
        targets.setdefault(entry_id, []).append(target_id)
    out: dict[str, tuple[int, EntryImage]] = {}
    for r in rows:
        day = r[2].isoformat() if isinstance(r[2], dt.date) else str(r[2])
        image = (day, *r[3:12], bool(r[12]), tuple(sorted(targets.get(r[0], []))))
        out[r[1]] = (r[0], image)
    return out


def _org_survivor_ids() -> dict[str, int]:
    """organisation uuid -> the id of its live survivor, as materialised."""
    rows = _org_rows()
    by_id = {r.id: r for r in rows.values()}
    out: dict[str, int] = {}
    for u, r in rows.items():
        cur = r
        for _ in range(len(rows) + 1):
            if cur.merged_into_id is None or cur.merged_into_id not in by_id:
                break
            cur = by_id[cur.merged_into_id]
        out[u] = cur.id
    return out


_ENTRY_COLUMNS = (
    "date", "coordinator", "area", "organisation", "case_code", "count", "note",
    "created_at", "updated_at", "device_id", "deleted",
)  # fmt: skip


def _entry_image(c: ChangeRow, orgs: dict[str, int]) -> EntryImage:
    """The row an entry's winning change materialises: texts cleaned as `add` cleans them
    (a pure function of the state, so every store shows the same row)."""
    from chofu_tui.services import entries

    s = c.state
    org = orgs.get(s["organisation"]) if s.get("organisation") else None
    return (
        s["date"],
        entries.clean_name(s.get("coordinator")),
        s["area"],
        org,
        entries.clean_case_code(s.get("case_code")),
        s["count"],
        entries.clean_note(s.get("note")),
        s["created_at"],
        c.at,
        s["device_id"],
        bool(s.get("deleted")),
        tuple(sorted(s["targets"])),
    )


def _materialise_entries(
    records: Iterable[str],
) -> dict[str, tuple[EntryImage | None, EntryImage | None]]:
    """Write each entry's winning state to its row; record -> (before, after) images."""
    from chofu_tui.services import entries

    wanted = sorted(set(records))
    if not wanted:
        return {}
    orgs = _org_survivor_ids()
    current = _entry_images(wanted)
    hs = heads_of("entry", wanted)
    out: dict[str, tuple[EntryImage | None, EntryImage | None]] = {}
    new_rows: list[tuple[str, EntryImage]] = []
    for record in wanted:
        before = current.get(record)
        if record not in hs:
            out[record] = (before[1] if before else None, before[1] if before else None)
            continue
        image = _entry_image(winner("entry", hs[record]), orgs)
        out[record] = (before[1] if before else None, image)
        if before is None:
            new_rows.append((record, image))
        elif before[1] != image:
            entry_id, old = before
            columns = {
                name: value
                for name, value, was in zip(_ENTRY_COLUMNS, image[:-1], old[:-1], strict=True)
                if value != was
            }
            if "date" in columns:
                columns["fiscal_year"] = FiscalYear.of(dt.date.fromisoformat(image[0])).year
            if columns:
                Entry.update(**columns).where(Entry.id == entry_id).execute()
            if image[-1] != old[-1]:
                entries.set_targets(entry_id, image[-1], replace=True)
    entry_fields = [Entry.uuid, *(getattr(Entry, c) for c in _ENTRY_COLUMNS), Entry.fiscal_year]
    for chunk in _chunks(new_rows, 2000):
        insert_rows(
            Entry,
            entry_fields,
            [
                (
                    record,
                    *image[:-1],
                    FiscalYear.of(dt.date.fromisoformat(image[0])).year,
                )
                for record, image in chunk
            ],
        )
        ids: dict[str, int] = dict(
            _where_in(_raw(Entry).select(Entry.uuid, Entry.id), Entry.uuid, [r for r, _ in chunk])
        )
        entries.link_targets((ids[record], t) for record, image in chunk for t in image[-1])
    return out


EvaluationImage = tuple[Any, ...]


def _materialise_evaluations(
    records: Iterable[str],
) -> dict[str, tuple[EvaluationImage | None, EvaluationImage | None]]:
    from chofu_tui.services import evaluations

    out: dict[str, tuple[EvaluationImage | None, EvaluationImage | None]] = {}
    hs = heads_of("evaluation", records)
    for record, cs in sorted(hs.items()):
        w = winner("evaluation", cs)
        s = w.state
        row = Evaluation.get_or_none(
            (Evaluation.fiscal_year == s["fiscal_year"])
            & (Evaluation.initiative_id == s["initiative_id"])
        )
        text = evaluations.clean(s["text"])  # as the app stores it (a pure function)
        image = (s["uuid"], text, s["created_at"], w.at, s["device_id"])
        before = (
            (row.uuid, row.text, row.created_at, row.updated_at, row.device_id) if row else None
        )
        out[record] = (before, image)
        if row is None:
            Evaluation.insert(
                uuid=s["uuid"],
                fiscal_year=s["fiscal_year"],
                initiative_id=s["initiative_id"],
                text=text,
                created_at=s["created_at"],
                updated_at=w.at,
                device_id=s["device_id"],
            ).execute()
        elif before != image:
            Evaluation.update(
                uuid=s["uuid"],
                text=text,
                created_at=s["created_at"],
                updated_at=w.at,
                device_id=s["device_id"],
            ).where(Evaluation.id == row.id).execute()
    return out


def materialise(kind: str, records: Iterable[str]) -> None:
    """Rebuild the rows of these records from their winning changes (caller's transaction)."""
    if kind == "entry":
        _materialise_entries(records)
    elif kind == "evaluation":
        _materialise_evaluations(records)
    else:
        materialise_organisations()


def resolve(record: str, keep: str) -> ChangeRow:
    """Settle a conflict: a change (op resolve) based on every head, with the kept head's
    state (`keep`: "mine", the head here longest, or "theirs", the one that came last)."""
    if keep not in ("mine", "theirs"):
        raise UserError("--keep には mine か theirs を指定してください", "keep mine or theirs")
    kinds = [
        k
        for (k,) in _raw(Change)
        .select(Change.kind)
        .where((Change.record == record) & (Change.head == 1))
        .distinct()
        .tuples()
    ]
    found = next((c for k in kinds if (c := conflict(k, record)) is not None), None)
    if found is None:
        raise UserError(f"{safetext.one_line(record)[:40]} は競合していません", "no conflict")
    kept = found.mine if keep == "mine" else found.theirs
    with database.atomic():
        change = record_change(found.kind, record, "resolve", dict(kept.state))
        materialise(found.kind, [record])
    return change


# --- another store's changes -------------------------------------------------------------


def read_changes(con: sqlite3.Connection) -> list[ChangeRow]:
    """Every change of a store file (any version): its change table, or for a store before
    version 5 the seeds its migration would make. Raises sqlite3 errors as they come."""
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if version >= 5:
        cursor = con.execute(
            "SELECT id, change_id, kind, record, op, clock, replica, at, coordinator, base,"
            " state, head, received_at FROM change ORDER BY id"
        )
        rows: Iterable[Sequence[Any]] = (tuple(r) for r in cursor)
    else:
        rows = ((0, *seed) for seed in changelog.seed_rows(con))
    out = []
    for r in rows:
        out.append(_source_change(r))
    return out


class _BadChange(Exception):
    def __init__(self, change_id: str, record: str, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.change_id, self.record, self.kind, self.reason = change_id, record, kind, reason


def _source_change(r: Sequence[Any]) -> ChangeRow:
    """A row of a source's change table as a ChangeRow; malformed columns are kept as they
    are (as far as they can be) for apply() to refuse with a reason."""
    (seq, cid, kind, record, op, clock, replica, at, coordinator, base, state, head,
     received_at) = r  # fmt: skip
    try:
        base_list = json.loads(base) if isinstance(base, str) else None
    except ValueError:
        base_list = None
    try:
        state_obj = json.loads(state) if isinstance(state, str) else None
    except ValueError:
        state_obj = None
    return ChangeRow(
        change_id=cid,
        kind=kind,
        record=record,
        op=op,
        clock=clock,
        replica=replica,
        at=at,
        coordinator=coordinator,
        base=tuple(base_list) if isinstance(base_list, list) else (None,),  # type: ignore[arg-type]
        state=state_obj if isinstance(state_obj, dict) else {"__invalid__": True},
        head=bool(head),
        received=received_at is not None,
        received_at=received_at,
        seq=int(seq) if isinstance(seq, int) else 0,
    )


def _shown(value: object) -> str:
    return safetext.one_line(str(value))[:40]


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_STATE_KEYS = {
    "entry": {
        "area", "case_code", "coordinator", "count", "created_at", "date", "deleted",
        "device_id", "note", "organisation", "targets",
    },
    "organisation": {"created_at", "device_id", "merged_into", "name"},
    "evaluation": {"created_at", "device_id", "fiscal_year", "initiative_id", "text", "uuid"},
}  # fmt: skip


def _frame_problem(c: ChangeRow) -> tuple[str, str] | None:
    """What is wrong with a change's frame (everything but the rules of its state)."""
    if not _is_uuid(c.change_id):
        return "change_id", "変更 id の形が正しくありません"
    if c.kind not in KINDS:
        return "kind", f"種類 {_shown(c.kind)} が正しくありません"
    if c.op not in OPS:
        return "op", f"操作 {_shown(c.op)} が正しくありません"
    if not isinstance(c.record, str) or not c.record:
        return "record", "記録 id が空か文字列ではありません"
    if not _is_int(c.clock) or not 0 <= c.clock <= MAX_CLOCK:
        return "clock", "clock が 0 以上の整数ではないか、大きすぎます"
    for name in ("replica", "at"):
        if not _nonempty(getattr(c, name)):
            return name, f"{name} が空か文字列ではありません"
    if not isinstance(c.coordinator, str):
        return "coordinator", "coordinator が文字列ではありません"
    if not all(isinstance(b, str) for b in c.base):
        return "base", "base が変更 id の一覧ではありません"
    if set(c.state) != _STATE_KEYS[c.kind]:
        return "state", "状態 (state) の項目が正しくありません"
    for name in ("created_at", "device_id"):
        if not _nonempty(c.state[name]):
            return name, f"{name} が空か文字列ではありません"
    return None


def _entry_problem(
    c: ChangeRow, catalog: PlanCatalog | None, org_names: dict[str, str]
) -> tuple[str, str] | None:
    from chofu_tui.services import entries

    s = c.state
    if not _is_uuid(c.record):
        return "uuid", "uuid の形が正しくありません"
    try:
        day = dt.date.fromisoformat(str(s["date"]))
    except ValueError:
        return "date", f"日付 {_shown(s['date'])} が読めません"
    for name in ("coordinator", "note"):
        if not isinstance(s[name], str):
            return name, f"{name} が文字列ではありません"
    if s["case_code"] is not None and not isinstance(s["case_code"], str):
        return "case_code", "case_code が文字列ではありません"
    if not isinstance(s["deleted"], bool):
        return "deleted", "deleted が真偽値ではありません"
    targets = s["targets"]
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        return "targets", "目標 id が文字列ではありません"
    org_name = None
    if (org := s["organisation"]) is not None:
        if not isinstance(org, str) or org not in org_names:
            return "organisation", f"団体 {_shown(org)} が取り込み元にありません"
        org_name = org_names[org]
    plan: Plan | None = None
    if catalog is not None:
        try:
            plan = entries.plan_for_day(catalog, day)
        except UserError:
            plan = None
    # checked as materialised: cleaned as `add` cleans (a row stored before today's rules)
    try:
        coordinator = entries.clean_name(s["coordinator"])
        case_code = entries.clean_case_code(s["case_code"])
        note = entries.clean_note(s["note"])
    except UserError as exc:
        return "note", exc.message
    problems = entries.entry_problems(
        plan,
        date=day,
        targets=targets,
        count=s["count"],
        area=s["area"],
        organisation=org_name,
        case_code=case_code,
        coordinator=coordinator,
        note=note,
    )
    if problems:
        name, (reason, _english) = problems[0]
        return name, reason
    return None


def _organisation_problem(c: ChangeRow) -> tuple[str, str] | None:
    from chofu_tui.services import organisations

    s = c.state
    if not _is_uuid(c.record):
        return "uuid", "uuid の形が正しくありません"
    name = organisations.display_name(s["name"]) if isinstance(s["name"], str) else ""
    if not name:
        return "organisation.name", "団体名が空です"
    if len(name) > organisations.MAX_NAME:
        return (
            "organisation.name",
            f"団体名は{organisations.MAX_NAME}文字までです ({len(name):,}文字あります)",
        )
    if s["merged_into"] is not None and not _is_uuid(s["merged_into"]):
        return "organisation.merged_into", "統合先 (merged_into) が団体の uuid ではありません"
    return None


def _evaluation_problem(c: ChangeRow) -> tuple[str, str] | None:
    from chofu_tui.services import evaluations

    s = c.state
    year = s["fiscal_year"]
    if not _is_int(year) or not 2019 <= year <= 2100:
        return "evaluation.fiscal_year", f"年度 {_shown(year)} が正しくありません"
    initiative = s["initiative_id"]
    if (
        not isinstance(initiative, str)
        or not initiative.strip()
        or initiative != initiative.strip()
    ):
        return "evaluation.initiative_id", "取組 id が空か文字列ではありません"
    if c.record != evaluation_record(year, initiative):
        return "evaluation.record", "記録 id が年度・取組と合いません"
    if not _is_uuid(s["uuid"]):
        return "uuid", "uuid の形が正しくありません"
    if not isinstance(s["text"], str):
        return "evaluation.text", "評価・課題が文字列ではありません"
    try:
        text = evaluations.clean(s["text"])
    except UserError as exc:
        return "evaluation.text", exc.message
    if why := evaluations.problem(text):
        return "evaluation.text", why[0]
    return None


def _fiscal_year(c: ChangeRow) -> int | None:
    try:
        if c.kind == "entry":
            return FiscalYear.of(dt.date.fromisoformat(str(c.state["date"]))).year
        if c.kind == "evaluation":
            return int(c.state["fiscal_year"])
    except (KeyError, TypeError, ValueError):
        return None
    return None


_SHOWN = 5  # bad changes named in a refusal


def _known_ids(ids: Sequence[str]) -> set[str]:
    query = _raw(Change).select(Change.change_id)
    return {c for (c,) in _where_in(query, Change.change_id, ids)}


def _validate(
    new: list[ChangeRow], catalog: PlanCatalog | None, source_label: str, skip_invalid: bool
) -> tuple[list[ChangeRow], list[checks.Problem]]:
    """The new changes that pass the rules, and the records left out (or a UserError)."""
    from chofu_tui.services import checks

    bad: dict[tuple[str, str], checks.Problem] = {}

    def refuse(c: ChangeRow, where: str, reason: str) -> None:
        key = (str(c.kind), str(c.record))
        if key not in bad:
            day = None
            if c.kind == "entry":
                try:
                    day = dt.date.fromisoformat(str(c.state.get("date")))
                except ValueError:
                    day = None
            bad[key] = checks.Problem(_shown(c.record), where, reason, day)

    framed: list[ChangeRow] = []
    for c in new:
        problem = _frame_problem(c)
        if problem is not None:
            refuse(c, *problem)
        else:
            framed.append(c)
    # organisations first: an entry may name only an organisation that can be here
    org_names: dict[str, str] = {
        u: n for u, n in _raw(Organisation).select(Organisation.uuid, Organisation.name).tuples()
    }
    for c in framed:
        if c.kind == "organisation" and (problem := _organisation_problem(c)) is not None:
            refuse(c, *problem)
    for c in framed:
        if c.kind == "organisation" and ("organisation", c.record) not in bad:
            org_names.setdefault(c.record, str(c.state["name"]))
    # a 評価・課題 keeps its year and initiative: its uuid names one record only
    evaluation_of: dict[str, str] = {
        str(u): evaluation_record(y, i)
        for u, y, i in _raw(Evaluation)
        .select(Evaluation.uuid, Evaluation.fiscal_year, Evaluation.initiative_id)
        .tuples()
    }
    for c in framed:
        if c.kind == "entry":
            problem = _entry_problem(c, catalog, org_names)
        elif (
            c.kind == "evaluation"
            and evaluation_of.setdefault(str(c.state["uuid"]), c.record) != c.record
        ):
            problem = (
                "evaluation.record",
                "評価・課題の年度・取組がこのデータベースの同じ記録と違います (壊れています)",
            )
        elif c.kind == "evaluation":
            problem = _evaluation_problem(c)
        else:
            continue
        if problem is not None:
            refuse(c, *problem)
    problems = list(bad.values())
    if problems and not skip_invalid:
        lines = "\n".join(f"  {p.uuid}  {p.field}: {p.reason}" for p in problems[:_SHOWN])
        more = f"\n  ほか {len(problems) - _SHOWN} 件" if len(problems) > _SHOWN else ""
        raise UserError(
            f"{source_label} に取り込めない記録が {len(problems)} 件あります (壊れています、"
            f"または記録の規則に合いません)。何も取り込んでいません:\n{lines}{more}\n"
            "規則に合う記録だけを取り込むには、同じコマンドに --skip-invalid を付けてやり直してください",
            "invalid rows in source; nothing merged",
        )
    good = [c for c in framed if (c.kind, c.record) not in bad]
    return good, problems


def _recompute_heads(kind: str, records: Sequence[str]) -> None:
    """A change is a head while no change of its record names it in a base."""
    query = (
        _raw(Change)
        .select(Change.id, Change.record, Change.change_id, Change.base, Change.head)
        .where(Change.kind == kind)
    )
    rows = list(_where_in(query, Change.record, records))
    if rows:
        named: set[str] = set()
        for _, _, _, base, _ in rows:
            named.update(json.loads(base or "[]"))
        up = [i for i, _, cid, _, head in rows if cid not in named and not head]
        down = [i for i, _, cid, _, head in rows if cid in named and head]
        for ids, value in ((up, 1), (down, 0)):
            for part in _chunks(ids):
                Change.update(head=value).where(Change.id.in_(list(part))).execute()


def _entry_label(image: EntryImage | None, record: str) -> str:
    if image is None:
        return record[:8]
    from chofu_tui.services.labels import target_names  # labels reads plans, not the log

    return f"{record[:8]}  {image[0]}  {target_names(image[-1], image[0])}"


def apply(
    incoming: list[ChangeRow],
    catalog: PlanCatalog | None,
    *,
    skip_invalid: bool = False,
    source_label: str = "",
) -> ApplyReport:
    """Bring another store's changes in (inside the caller's transaction): the ones not here
    are validated (a bad one refuses everything, or with `skip_invalid` its record's changes
    are left out and listed), those of purged years are dropped, the rest are stored with
    received_at, heads are recomputed and the records re-materialised."""
    report = ApplyReport(source_label)
    seen: set[str] = set()
    unique: list[ChangeRow] = []
    for c in incoming:
        if isinstance(c.change_id, str) and c.change_id in seen:
            continue
        seen.add(str(c.change_id))
        unique.append(c)
    known = _known_ids([c.change_id for c in unique if isinstance(c.change_id, str)])
    new = [c for c in unique if c.change_id not in known]
    good, report.skipped = _validate(new, catalog, source_label, skip_invalid)
    watermark = purged_before()
    if watermark is not None:
        kept = []
        for c in good:
            year = _fiscal_year(c)
            if year is not None and year < watermark:
                report.purged += 1
            else:
                kept.append(c)
        good = kept
    # the records this source speaks of (for 変更なし): every valid one not purged
    left_out = {(p.uuid) for p in report.skipped}
    entry_records = {
        c.record
        for c in unique
        if c.kind == "entry"
        and isinstance(c.record, str)
        and c.record not in left_out
        and not (watermark is not None and (_fiscal_year(c) or watermark) < watermark)
    }
    report.changes_new = len(good)
    by_kind: dict[str, set[str]] = {k: set() for k in KINDS}
    for c in good:
        by_kind[c.kind].add(c.record)
    with database.atomic():
        conflicted_before = {
            r for r, hs in heads_of("entry", by_kind["entry"]).items() if _differ(hs)
        }
        orgs_before = {r.uuid for r in _org_rows().values()}
        stamp = now_stamp()
        insert_rows(
            Change,
            [getattr(Change, name) for name in changelog.COLUMNS],
            [
                (c.change_id, c.kind, c.record, c.op, c.clock, c.replica, c.at, c.coordinator,
                 dumps(list(c.base)), dumps(c.state), 1, stamp)
                for c in good
            ],
        )  # fmt: skip
        for kind in KINDS:
            _recompute_heads(kind, sorted(by_kind[kind]))
        org_rows_before = {u: (r.name, r.merged_into_id) for u, r in _org_rows().items()}
        if by_kind["organisation"]:
            moved = materialise_organisations()
            after = _org_rows()
            report.organisations_new = len(set(after) - orgs_before)
            report.organisations_updated = sum(
                1
                for u in by_kind["organisation"]
                if u in orgs_before
                and (u in moved or (after[u].name, after[u].merged_into_id) != org_rows_before[u])
            )
        images = _materialise_entries(by_kind["entry"])
        for record in sorted(entry_records):
            if record not in images:
                report.entries_unchanged += 1
                continue
            before, after_image = images[record]
            if before is None and after_image is not None:
                report.entries_new += 1
            elif (
                before is not None
                and after_image is not None
                and not before[10]
                and after_image[10]
            ):
                report.entries_deleted += 1
            elif before != after_image:
                report.entries_updated += 1
            else:
                report.entries_unchanged += 1
        for record, hs in sorted(heads_of("entry", by_kind["entry"]).items()):
            if record not in conflicted_before and _differ(hs):
                image = images.get(record, (None, None))[1]
                report.conflicts.append(ConflictNote("entry", record, _entry_label(image, record)))
        evaluation_images = _materialise_evaluations(by_kind["evaluation"])
        for before_e, after_e in evaluation_images.values():
            if before_e is None:
                report.evaluations_new += 1
            elif before_e != after_e:
                report.evaluations_updated += 1
    return report
