"""Retention (issue 14): `purge --before-fy Y` removes the entries (live and deleted) of the
fiscal years before Y with their targets and their history, and the 評価・課題 of those years
with theirs; organisations stay. The watermark `purged_before_fy` makes every later merge or
sync drop changes of those years, so a laptop that still holds them never brings them back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from peewee import fn

from chofu_tui.errors import UserError
from chofu_tui.services import changes
from chofu_tui.services.changes import CHUNK, PURGE_SETTING
from chofu_tui.store.changelog import evaluation_record
from chofu_tui.store.models import Change, Entry, Evaluation, Setting, database


@dataclass(frozen=True)
class YearCount:
    fiscal_year: int
    entries_live: int = 0
    entries_deleted: int = 0
    evaluations: int = 0
    history: int = 0  # changes (history rows) that go with them


@dataclass(frozen=True)
class PurgePlan:
    before_fy: int
    years: tuple[YearCount, ...] = ()
    watermark_before: int | None = None
    watermark_after: int = 0

    @property
    def entries(self) -> int:
        return sum(y.entries_live + y.entries_deleted for y in self.years)

    @property
    def history(self) -> int:
        return sum(y.history for y in self.years)

    @property
    def evaluations(self) -> int:
        return sum(y.evaluations for y in self.years)


@dataclass
class _Year:
    live: int = 0
    deleted: int = 0
    evaluations: int = 0
    history: int = 0
    entry_records: list[str] = field(default_factory=list)
    evaluation_records: list[str] = field(default_factory=list)


def _gather(before_fy: int) -> dict[int, _Year]:
    years: dict[int, _Year] = {}
    entry_rows = cast(  # (uuid, fiscal year, deleted): the stubs know only whole rows
        "Iterable[tuple[str, int, bool]]",
        Entry.select(Entry.uuid, Entry.fiscal_year, Entry.deleted)
        .where(Entry.fiscal_year < before_fy)
        .tuples(),
    )
    for uuid, fy, deleted in entry_rows:
        y = years.setdefault(int(fy), _Year())
        y.entry_records.append(uuid)
        if deleted:
            y.deleted += 1
        else:
            y.live += 1
    evaluation_rows = cast(
        "Iterable[tuple[int, str]]",
        Evaluation.select(Evaluation.fiscal_year, Evaluation.initiative_id)
        .where(Evaluation.fiscal_year < before_fy)
        .tuples(),
    )
    for fy, initiative in evaluation_rows:
        y = years.setdefault(int(fy), _Year())
        y.evaluations += 1
        y.evaluation_records.append(evaluation_record(int(fy), initiative))
    for y in years.values():
        for kind, records in (("entry", y.entry_records), ("evaluation", y.evaluation_records)):
            for i in range(0, len(records), CHUNK):
                part = records[i : i + CHUNK]
                y.history += (
                    Change.select(fn.COUNT(Change.id))
                    .where((Change.kind == kind) & Change.record.in_(part))
                    .scalar()
                    or 0
                )
    return years


def plan(before_fy: int) -> PurgePlan:
    """What `purge --before-fy` would remove, per fiscal year (oldest first)."""
    old = changes.purged_before()
    return PurgePlan(
        before_fy,
        tuple(
            YearCount(fy, y.live, y.deleted, y.evaluations, y.history)
            for fy, y in sorted(_gather(before_fy).items())
        ),
        old,
        max(old or before_fy, before_fy),
    )


def purge(before_fy: int) -> PurgePlan:
    """Remove them (one transaction) and raise the watermark; returns what went."""
    with database.atomic():
        done = plan(before_fy)
        years = _gather(before_fy)
        for y in years.values():
            for kind, records in (
                ("entry", y.entry_records),
                ("evaluation", y.evaluation_records),
            ):
                for i in range(0, len(records), CHUNK):
                    part = records[i : i + CHUNK]
                    Change.delete().where((Change.kind == kind) & Change.record.in_(part)).execute()
            for i in range(0, len(y.entry_records), CHUNK):
                # entry_target rows and the tallies follow by the store's triggers
                Entry.delete().where(Entry.uuid.in_(y.entry_records[i : i + CHUNK])).execute()
        Evaluation.delete().where(Evaluation.fiscal_year < before_fy).execute()
        Setting.replace(key=PURGE_SETTING, value=str(done.watermark_after)).execute()
    return done


RETENTION_SETTING = "retention_years"
MAX_RETENTION = 50


def retention_years() -> int | None:
    """The council's retention, in fiscal years kept (this one included); None: keep all."""
    row = Setting.get_or_none(Setting.key == RETENTION_SETTING)
    try:
        years = int(row.value) if row is not None else 0
    except ValueError:
        return None
    return years if years > 0 else None


def set_retention(years: int) -> None:
    """Keep `years` fiscal years (0: keep all, the default). Stored in the store itself, so
    the office database and each laptop can follow the council's rule."""
    if not 0 <= years <= MAX_RETENTION:
        raise UserError(
            f"保存する年数は 0 (すべて保存) から {MAX_RETENTION} までです", "retention out of range"
        )
    with database.atomic():
        Setting.delete().where(Setting.key == RETENTION_SETTING).execute()
        if years:
            Setting.insert(key=RETENTION_SETTING, value=str(years)).execute()


def before_fy_by_retention(today_fy: int) -> int | None:
    """The first fiscal year the retention keeps (what `purge` removes is before it)."""
    years = retention_years()
    return None if years is None else today_fy - years + 1
