"""Every local write appends its change to the change log, in the write's transaction
(docs/changelog.md); heads, winners, conflicts and history read it."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import changes, entries, evaluations, organisations
from chofu_tui.services.changes import ChangeRow
from chofu_tui.store.models import Change, Entry, Organisation
from tests.unit.conftest import CLI

DAY = dt.date(2024, 5, 1)


def draft(**kw: object) -> entries.EntryDraft:
    fields: dict = {"targets": ("awareness",), "date": DAY, "area": 1}
    fields.update(kw)
    return entries.EntryDraft(**fields)


def ops(kind: str, record: str) -> list[tuple[str, int, bool]]:
    return [(c.op, c.clock, c.head) for c in changes.history(kind, record)]


def test_each_entry_write_appends_one_change_based_on_the_heads(
    store, catalog: PlanCatalog
) -> None:
    saved = entries.log_entry(catalog, draft(note="最初"))
    uuid = saved.entry.uuid
    (created,) = changes.history("entry", uuid)
    assert (created.op, created.clock, created.base, created.head) == ("create", 1, (), True)
    assert created.state["note"] == "最初" and created.state["targets"] == ["awareness"]
    assert created.replica == entries.device_id() and not created.received
    # the state a save writes is the row as stored (read back the slow way)
    assert created.state == changes.entry_state_of(uuid)
    entries.update_entry(catalog, uuid, draft(note="直した", count=2, organisation="若葉会"))
    assert changes.winning_state("entry", uuid) == changes.entry_state_of(uuid)
    entries.set_deleted(uuid, True)
    before_restore = entries.get_entry(uuid)
    entries.set_deleted(uuid, False)
    entries.restore_snapshot(before_restore)  # the app's undo of the restore
    assert changes.winning_state("entry", uuid) == changes.entry_state_of(uuid)
    history = changes.history("entry", uuid)
    assert [(c.op, c.clock, c.head) for c in history] == [
        ("create", 1, False),
        ("edit", 3, False),  # (2: the organisation 若葉会, created by the edit)
        ("delete", 4, False),
        ("restore", 5, False),
        ("delete", 6, True),
    ]
    # each was based on the one before it: one line of revisions, one head
    for before, after in itertools.pairwise(history):
        assert after.base == (before.change_id,)
    assert history[1].state["count"] == 2 and history[-1].state["deleted"] is True
    # the materialised row is the winner's state, its updated_at the winner's time
    row = Entry.get(Entry.uuid == uuid)
    assert row.deleted and row.updated_at == history[-1].at


def test_a_refused_write_appends_nothing(store, catalog: PlanCatalog) -> None:
    uuid = entries.log_entry(catalog, draft()).entry.uuid
    with pytest.raises(UserError):
        entries.set_deleted(uuid, False)  # not deleted: refused
    with pytest.raises(UserError):
        entries.update_entry(catalog, uuid, draft(count=0))
    assert [c.op for c in changes.history("entry", uuid)] == ["create"]


def test_organisation_and_evaluation_writes_are_changes(store, catalog: PlanCatalog) -> None:
    a = entries.log_entry(
        catalog, draft(targets=("community-approach",), organisation="サロンA")
    ).entry.uuid
    entries.log_entry(catalog, draft(targets=("community-approach",), organisation="サロンB"))
    assert changes.winning_state("entry", a) == changes.entry_state_of(a)
    org_a = Organisation.get(Organisation.name == "サロンA")
    org_b = Organisation.get(Organisation.name == "サロンB")
    assert ops("organisation", org_a.uuid) == [("create", 1, True)]
    organisations.rename(org_a.id, "サロン エー")
    assert [c.state["name"] for c in changes.history("organisation", org_a.uuid)] == [
        "サロンA",
        "サロン エー",
    ]
    entry_changes = Change.select().where(Change.kind == "entry").count()
    assert organisations.merge(org_b.id, org_a.id) == 1
    (fold,) = [c for c in changes.history("organisation", org_a.uuid) if c.op == "fold"]
    assert fold.state["merged_into"] == org_b.uuid
    # no entry change; the entry's state keeps the organisation it was written with
    assert Change.select().where(Change.kind == "entry").count() == entry_changes
    assert changes.winning_state("entry", a)["organisation"] == org_a.uuid  # type: ignore[index]
    assert entries.get_entry(a).organisation == "サロンB"
    evaluations.save(2024, "ini", "はじめ")
    evaluations.save(2024, "ini", "つぎ")
    evaluations.save(2024, "ini", "つぎ")  # unchanged: no change
    assert [c.op for c in changes.history("evaluation", "2024:ini")] == ["create", "write"]


def test_the_clock_is_one_more_than_any_change_here(
    cli: CLI, tmp_path: Path, db_path: Path
) -> None:
    other = tmp_path / "other.db"
    cli.json("add", "awareness", "--area", "1", "--date", "2024-05-01", "--db", str(other))
    con = sqlite3.connect(other)
    con.execute("UPDATE change SET clock = 50")
    con.commit()
    con.close()
    cli.json("add", "awareness", "--area", "2", "--date", "2024-05-01")
    assert cli("merge", str(other))[0] == 0
    mine = cli.json("add", "awareness", "--area", "3", "--date", "2024-05-01")["uuid"]
    con = sqlite3.connect(db_path)
    clock = con.execute("SELECT clock FROM change WHERE record = ?", (mine,)).fetchone()[0]
    received = con.execute("SELECT count(*) FROM change WHERE received_at IS NOT NULL").fetchone()
    con.close()
    assert clock == 51 and received[0] == 1


def test_resolving_what_is_no_conflict_is_refused(store, catalog: PlanCatalog) -> None:
    uuid = entries.log_entry(catalog, draft()).entry.uuid
    with pytest.raises(UserError, match="競合していません"):
        changes.resolve(uuid, "mine")
    with pytest.raises(UserError):
        changes.resolve(uuid, "both")


def _change(n: int, *, clock: int, at: str, deleted: bool = False, seq: int = 0) -> ChangeRow:
    return ChangeRow(
        change_id=f"00000000-0000-4000-8000-00000000000{n}",
        kind="entry",
        record="r",
        op="edit",
        clock=clock,
        replica="dev",
        at=at,
        coordinator="",
        base=(),
        state={"deleted": deleted, "n": n},
        seq=seq,
    )


def test_the_winner_is_by_clock_then_time_and_a_deletion_stands() -> None:
    late_clock = _change(1, clock=3, at="2024-01-01")
    wall_2099 = _change(2, clock=2, at="2099-01-01")
    assert changes.winner("entry", [late_clock, wall_2099]) is late_clock
    tie = _change(3, clock=3, at="2024-02-01")
    assert changes.winner("entry", [late_clock, tie]) is tie
    deleted = _change(4, clock=1, at="2020-01-01", deleted=True)
    assert changes.winner("entry", [late_clock, deleted]) is deleted
    assert changes.winner("organisation", [late_clock, deleted]) is late_clock


def test_the_model_makes_the_table_the_migration_writes_out() -> None:
    """PostgreSQL's schema comes from the model; SQLite's from the migration's DDL."""
    from peewee import SqliteDatabase

    from chofu_tui.store import changelog
    from chofu_tui.store.models import CURRENT_MODELS

    assert Change in CURRENT_MODELS
    by_model = SqliteDatabase(":memory:")
    with by_model.bind_ctx([Change]):
        by_model.create_tables([Change])
    by_ddl = sqlite3.connect(":memory:")
    for statement in changelog.DDL:
        by_ddl.execute(statement)

    def shape(rows: list) -> list[tuple]:
        return [(r[1], r[2].upper(), r[3], r[5]) for r in rows]  # name, type, notnull, pk

    model_cols = shape(by_model.execute_sql("PRAGMA table_info(change)").fetchall())
    ddl_cols = shape(by_ddl.execute("PRAGMA table_info(change)").fetchall())
    assert model_cols == ddl_cols
    indexes = {r[1] for r in by_ddl.execute("PRAGMA index_list(change)")}
    assert {"change_record_head", "change_clock"} <= indexes
    assert {r[1] for r in by_model.execute_sql("PRAGMA index_list(change)")} >= {
        "change_record_head",
        "change_clock",
    }
    assert json.loads(changelog.dumps({"b": 1, "a": "é"})) == {"a": "é", "b": 1}


def test_the_demo_year_is_logged_as_its_rows_hold_it(store, catalog: PlanCatalog) -> None:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.services import demo

    n = demo.fill_demo(catalog.get(FiscalYear(2024)).plan)
    assert Change.select().where(Change.kind == "entry").count() == n
    for row in Entry.select(Entry.uuid).limit(40):
        assert changes.winning_state("entry", row.uuid) == changes.entry_state_of(row.uuid)
    clocks = [c for (c,) in Change.select(Change.clock).tuples()]
    assert len(set(clocks)) == len(clocks)  # one Lamport tick per change


def test_bulk_inserts_carry_every_column_or_fall_back(store) -> None:
    """insert_rows: one prepared statement when the rows name every column peewee writes;
    a column with a default the rows lack falls back to peewee's own batches."""
    from chofu_tui.store.models import Setting

    changes.insert_rows(Setting, [Setting.key, Setting.value], [("a", "1"), ("b", "2")])
    stored = {s.key: s.value for s in Setting.select()}
    assert (stored["a"], stored["b"]) == ("1", "2")
    changes.insert_rows(
        Change,
        [Change.change_id, Change.kind, Change.record, Change.op, Change.clock, Change.replica,
         Change.at, Change.state],
        [("00000000-0000-4000-8000-000000000001", "entry", "r", "seed", 0, "d", "t", "{}")],
    )  # fmt: skip
    row = Change.get(Change.record == "r")
    assert (row.base, row.head, row.coordinator) == ("[]", 1, "")
