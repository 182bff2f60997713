"""The history of one entry or organisation (issue 14): its changes in the change log, as
people read them — 作成, 編集 (each field: old → new), 削除, 復元, 取り込み, 競合の解決, 移行時の
状態 — with when, which device and which coordinator. One source: services/changes.py's log.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from peewee import fn

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.services import changes
from chofu_tui.services.changes import ChangeRow
from chofu_tui.services.labels import target_names
from chofu_tui.store.models import Change, Organisation, Setting

THIS_DEVICE = "このパソコン"
THIS_SERVER = "事務所のデータベース"  # a PostgreSQL store: shared by every program using it


def _this_device() -> str:
    from chofu_tui.store.models import database
    from chofu_tui.store.pg import is_postgres

    return THIS_SERVER if is_postgres(database) else THIS_DEVICE


NONE = "(なし)"
IMPORTED = "他のパソコンから取り込み"

OP_LABELS = {
    "create": "作成",
    "edit": "編集",
    "delete": "削除",
    "restore": "復元",
    "resolve": "競合の解決",
    "seed": "移行時の状態",
    "rename": "名前の変更",
    "fold": "統合",
    "write": "書き込み",
}

FIELD_LABELS = {
    "date": "日付",
    "targets": "目標",
    "count": "件数",
    "area": "圏域",
    "organisation": "団体",
    "note": "メモ",
    "case_code": "ケースコード",
    "coordinator": "記録者",
    "deleted": "削除",
    "name": "名前",
    "merged_into": "統合先",
    "text": "内容",
}
# bookkeeping fields of a state that a person never edits
_HIDDEN = frozenset({"created_at", "device_id", "uuid", "fiscal_year", "initiative_id"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Step:
    change_id: str
    op: str
    what: str  # 作成 / 編集 / ... in Japanese
    at: str
    device: str  # first 8 of the replica id, or このパソコン
    coordinator: str
    imported: bool  # came in by a merge or a sync
    received_at: str | None
    fields: tuple[FieldChange, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        return f"{self.what} ({IMPORTED})" if self.imported else self.what


@dataclass(frozen=True)
class History:
    kind: str  # entry | organisation
    record: str
    title: str  # one line naming the record
    steps: tuple[Step, ...]


def own_replica() -> str | None:
    """This store's replica id, read without making one (history is read-only)."""
    row = Setting.get_or_none(Setting.key == "device_id")
    return str(row.value) if row is not None else None


def _org_names() -> dict[str, str]:
    return {o.uuid: o.name for o in Organisation.select(Organisation.uuid, Organisation.name)}


def shown_value(key: str, value: Any, orgs: dict[str, str], day: Any = None) -> str:
    """A state's value as a person reads it (organisation uuids as names, targets as the plan
    of `day` names them)."""
    if value is None or value == "" or value == []:
        return NONE
    if key in ("organisation", "merged_into"):
        return orgs.get(str(value), str(value)[:8])
    if key == "deleted":
        return "はい" if value else "いいえ"
    if key == "targets" and isinstance(value, list):
        return target_names([str(v) for v in value], day)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _diff(
    old: dict[str, Any], new: dict[str, Any], orgs: dict[str, str]
) -> tuple[FieldChange, ...]:
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (k not in FIELD_LABELS, k)):
        if key in _HIDDEN or old.get(key) == new.get(key):
            continue
        out.append(
            FieldChange(
                key,
                FIELD_LABELS.get(key, key),
                shown_value(key, old.get(key), orgs, old.get("date")),
                shown_value(key, new.get(key), orgs, new.get("date")),
            )
        )
    return tuple(out)


def steps_of(changes_in_order: list[ChangeRow], orgs: dict[str, str] | None = None) -> list[Step]:
    """Each change as a step; an edit's fields compared with the state it was based on (the
    latest revision among its base here), else with the change before it."""
    orgs = _org_names() if orgs is None else orgs
    mine = own_replica()
    here = _this_device()
    by_id = {c.change_id: c for c in changes_in_order}
    out: list[Step] = []
    previous: ChangeRow | None = None
    for c in changes_in_order:
        bases = [by_id[b] for b in c.base if b in by_id]
        # the state the writer saw: the winner among its base (what it was materialised as)
        kind = c.kind
        before = changes.winner(kind, bases) if bases else previous
        fields = () if before is None or c.op == "seed" else _diff(before.state, c.state, orgs)
        if c.op in ("create", "seed") and before is None:
            # the first state: the fields that hold something
            fields = tuple(
                f
                for f in _diff({}, c.state, orgs)
                if f.new != NONE and not (f.field == "deleted" and not c.state.get("deleted"))
            )
        out.append(
            Step(
                change_id=c.change_id,
                op=c.op,
                what=OP_LABELS.get(c.op, c.op),
                at=c.at,
                device=here if mine is not None and c.replica == mine else c.replica[:8],
                coordinator=c.coordinator,
                imported=c.received,
                received_at=c.received_at,
                fields=fields,
                state=dict(c.state),
            )
        )
        previous = c
    return out


def _organisation(ident: str) -> Organisation | None:
    text = unicodedata.normalize("NFKC", ident).strip()
    if not text:
        return None
    from chofu_tui.services import organisations

    by_key = Organisation.get_or_none(Organisation.key == organisations.org_key(text))
    if by_key is not None:
        return by_key
    low = text.lower()
    if len(low.replace("-", "")) >= 6 and all(ch in "0123456789abcdef-" for ch in low):
        rows = list(Organisation.select().where(Organisation.uuid.startswith(low)).limit(2))
        if len(rows) > 1:
            raise UserError(
                f"団体の id '{safetext.one_line(ident)[:40]}' で始まる団体が複数あります。"
                "もっと長く指定してください",
                "ambiguous organisation id",
            )
        return rows[0] if rows else None
    return None


def history_of(ident: str) -> History:
    """The history of the entry whose id starts with `ident` (as `edit` takes it), else of the
    organisation named `ident` (or whose uuid starts with it). UserError when neither."""
    from chofu_tui.services import entries

    try:
        found = entries.find_entry(ident)
    except UserError as entry_error:
        try:
            org = _organisation(ident)
        except UserError:
            raise
        if org is None:
            raise entry_error from None
        orgs = _org_names()
        return History(
            "organisation",
            org.uuid,
            f"団体 {org.name}",
            tuple(steps_of(changes.history("organisation", org.uuid), orgs)),
        )
    orgs = _org_names()
    title = (
        f"記録 {found.uuid}  {found.date.isoformat()}  {target_names(found.targets, found.date)}"
    )
    if found.deleted:
        title += "  [削除]"
    return History(
        "entry", found.uuid, title, tuple(steps_of(changes.history("entry", found.uuid), orgs))
    )


def record_of_prefix(prefix: str) -> tuple[str, str]:
    """(kind, record) of the one record in the change log whose id starts with `prefix`
    (at least 6 characters). UserError (Japanese) when none or several."""
    text = unicodedata.normalize("NFKC", prefix).strip().lower()
    shown = safetext.one_line(prefix)[:40]
    if len(text.replace("-", "")) < 6:
        raise UserError(
            f"id '{shown}' は、id 全体か先頭の 6 文字以上で指定してください",
            "give an id or a prefix of at least 6 characters",
        )
    rows: list[tuple[str, str]] = list(
        cast(
            "Iterable[tuple[str, str]]",
            Change.select(Change.kind, Change.record)
            .where(Change.record.startswith(text))
            .distinct()
            .order_by(Change.kind, Change.record)
            .limit(11)
            .tuples(),
        )
    )
    if not rows:
        raise UserError(f"記録 {shown} はありません", "no such record")
    if len(rows) > 1:
        listed = "\n".join(f"  {r}" for _, r in rows[:10])
        raise UserError(
            f"id '{shown}' で始まる記録が複数あります。もっと長く指定してください:\n{listed}",
            "ambiguous id",
        )
    return rows[0][0], rows[0][1]


def shown_time(stamp: str) -> str:
    """A change's wall time (UTC in the log) in this computer's time zone, to the minute."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return safetext.one_line(stamp)[:26]
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def step_lines(step: Step) -> list[str]:
    """One step as printed: a headline and one indented line per field (terminal-safe)."""
    who = f"  {safetext.one_line(step.coordinator)}" if step.coordinator else ""
    lines = [f"{shown_time(step.at)}  {step.headline}  {step.device}{who}"]
    for f in step.fields:
        old, new = safetext.one_line(f.old), safetext.one_line(f.new)
        lines.append(
            f"    {f.label}: {new}"
            if step.op in ("create", "seed")
            else f"    {f.label}: {old} → {new}"
        )
    return lines


# --- conflicts, as people read them ----------------------------------------------------------


@dataclass(frozen=True)
class Side:
    coordinator: str
    at: str
    device: str
    state: dict[str, Any]


@dataclass(frozen=True)
class ConflictView:
    kind: str
    record: str
    label: str  # entry: date and targets; organisation: name; evaluation: year:initiative
    mine: Side
    theirs: Side
    fields: tuple[FieldChange, ...]  # old = mine, new = theirs
    applies: str  # mine | theirs: the one materialised until resolved
    why: str


def _side(c: ChangeRow, own: str | None) -> Side:
    device = _this_device() if own is not None and c.replica == own else c.replica[:8]
    return Side(c.coordinator, c.at, device, dict(c.state))


def _label(kind: str, record: str, state: dict[str, Any]) -> str:
    if kind == "entry":
        day = state.get("date", "")
        return f"{day}  {target_names(state.get('targets') or [], day)}"
    if kind == "organisation":
        return str(state.get("name", ""))
    return record


def _why(kind: str, found: changes.Conflict) -> str:
    other = found.theirs if found.winner is found.mine else found.mine
    if kind == "entry" and found.winner.state.get("deleted") and not other.state.get("deleted"):
        return "削除はもう一方の編集を見ていないため、削除が優先されます (編集は履歴に残ります)"
    return "論理時計の新しい変更が優先されます (解決するまで)"


def conflict_views() -> list[ConflictView]:
    """Every conflict here, entries first, for the CLI and the app."""
    own = own_replica()
    orgs = _org_names()
    out = []
    for c in changes.conflicts():
        applies = "mine" if c.winner.change_id == c.mine.change_id else "theirs"
        out.append(
            ConflictView(
                c.kind,
                c.record,
                _label(c.kind, c.record, c.winner.state),
                _side(c.mine, own),
                _side(c.theirs, own),
                _diff(c.mine.state, c.theirs.state, orgs),
                applies,
                _why(c.kind, c),
            )
        )
    return out


def conflict_count() -> int:
    """How many records are conflicts (the app's badge, at every reload). First the records
    with two or more heads, one scan of the (record, head) index (~25 ms at 100,000 entries;
    the full listing takes ~370 ms): nearly always none. Only those are then compared."""
    multi = (
        Change.select(Change.record)
        .where(Change.head == 1)
        .group_by(Change.record)
        .having(fn.COUNT(Change.id) > 1)
    )
    if not multi.exists():
        return 0
    return len(changes.conflicts())


def resolve(prefix: str, keep: str) -> tuple[str, str]:
    """Settle the conflict of the record whose id starts with `prefix`; (kind, record)."""
    kind, record = record_of_prefix(prefix)
    if changes.conflict(kind, record) is None:
        raise UserError(
            f"記録 {safetext.one_line(record)[:40]} は競合していません", "not a conflict"
        )
    changes.resolve(record, keep)
    return kind, record
