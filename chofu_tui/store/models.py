"""peewee models of the store. Every row that eight laptops will combine carries a UUID,
its own created/updated times and the device it was written on; deletions are tombstones."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    Check,
    CompositeKey,
    DatabaseProxy,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organisation(BaseModel):
    """A counterpart organisation (自治会, サロン, 当事者会 ...), matched by its normalised key."""

    id = AutoField()
    uuid = TextField(unique=True)
    name = TextField()
    key = TextField(unique=True)  # NFKC, whitespace removed, casefolded
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="RESTRICT")
    merged_into_id: int | None  # peewee's accessor of the key alone (declared for mypy)
    created_at = TextField()
    updated_at = TextField()
    device_id = TextField()


class Entry(BaseModel):
    """One logged activity. It credits one or more targets through EntryTarget."""

    id = AutoField()
    uuid = TextField(unique=True)
    date = DateField()
    fiscal_year = IntegerField()  # derived from date; kept so a year's rows are one index range
    coordinator = TextField(default="")
    area = IntegerField()
    organisation = ForeignKeyField(Organisation, null=True, backref="entries")
    case_code = TextField(null=True)
    count = IntegerField(constraints=[Check("count >= 1")])
    note = TextField(default="")
    created_at = TextField()
    updated_at = TextField()
    device_id = TextField()
    deleted = BooleanField(default=False)

    class Meta:
        indexes = ((("fiscal_year", "deleted", "date"), False),)


class EntryTarget(BaseModel):
    entry = ForeignKeyField(Entry, backref="targets", on_delete="CASCADE")
    target_id = TextField()

    class Meta:
        primary_key = CompositeKey("entry", "target_id")
        indexes = ((("target_id", "entry"), False),)


class Setting(BaseModel):
    key = TextField(primary_key=True)
    value = TextField()


# The tables of schema version 1; later tables are created by their migration's own SQL.
MODELS: list[type[BaseModel]] = [Organisation, Entry, EntryTarget, Setting]


class Tally(BaseModel):
    """Live entries' summed counts per year, target, area, coordinator and calendar month.

    Kept by triggers (store/tallies.py); read it, never write it from Python."""

    fiscal_year = IntegerField()
    target_id = TextField()
    area = IntegerField()
    coordinator = TextField()
    month = IntegerField()  # 1..12
    total = IntegerField()
    entries = IntegerField()

    class Meta:
        primary_key = CompositeKey("fiscal_year", "target_id", "area", "coordinator", "month")


class TallyOrg(BaseModel):
    """Live entries naming an organisation, per year, target, organisation, area, coordinator
    and month: the rows distinct targets count organisations from. Kept by triggers."""

    fiscal_year = IntegerField()
    target_id = TextField()
    organisation_id = IntegerField()
    area = IntegerField()
    coordinator = TextField()
    month = IntegerField()
    entries = IntegerField()

    class Meta:
        primary_key = CompositeKey(
            "fiscal_year", "target_id", "organisation_id", "area", "coordinator", "month"
        )


class Evaluation(BaseModel):
    """評価・課題: the coordinators' narrative on one initiative for one fiscal year.

    A record like an entry (UUID, times, device); a cleared text is kept as "" so that the
    clearing travels to the other laptops by the same merge rule (the later updated_at wins)."""

    id = AutoField()
    uuid = TextField(unique=True)
    fiscal_year = IntegerField()
    initiative_id = TextField()
    text = TextField(default="")
    created_at = TextField()
    updated_at = TextField()
    device_id = TextField()

    class Meta:
        indexes = ((("fiscal_year", "initiative_id"), True),)


class Change(BaseModel):
    """One change to a record (entry, organisation, 評価・課題): the record's whole state after
    it, its Lamport clock and the changes it was based on. Append-only; the entry,
    organisation and evaluation tables are materialised from it (services/changes.py)."""

    id = AutoField()  # local arrival order, never compared across stores
    change_id = TextField(unique=True)
    kind = TextField()
    record = TextField()
    op = TextField()
    clock = IntegerField(index=True)
    replica = TextField()
    at = TextField()
    coordinator = TextField(default="")
    base = TextField(default="[]")  # JSON list of change ids
    state = TextField()  # JSON object, keys sorted
    head = IntegerField(default=1)  # local: 1 while no change here names it in a base
    received_at = TextField(null=True)  # local: when it came in by merge or sync

    class Meta:
        indexes = ((("record", "head"), False),)


# Every table of the current schema as a model, for an engine whose schema is made at the
# current version at once (PostgreSQL) rather than by replaying the SQLite migrations.
CURRENT_MODELS: list[type[BaseModel]] = [*MODELS, Tally, TallyOrg, Evaluation, Change]
