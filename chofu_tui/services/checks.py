"""Rows stored before today's rules: which break them, so they can be fixed with an edit.

Such rows keep loading and counting; `chofu-tui check` lists them and the app says how many
there are once. The rules are those of a new entry (services/entries.py), except "not after
today": another laptop's clock may have run ahead when a row was merged in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import entries
from chofu_tui.store.models import Entry, Organisation, database


@dataclass(frozen=True)
class Problem:
    uuid: str  # the entry's id (an organisation's for a problem of the registry)
    field: str  # date, targets, area, count, organisation, case_code, coordinator, note
    reason: str  # Japanese, one line
    date: dt.date | None = None  # the entry's date, to find it in the log


def find_problems(catalog: PlanCatalog | None = None) -> list[Problem]:
    """Every live entry of the open store that breaks a rule of today, oldest first.

    `catalog` gives each year's plan (areas, targets, case code pattern); by default the
    plans of this computer. Deleted entries are left out: they count nowhere."""
    from peewee import JOIN

    catalog = catalog or PlanCatalog()
    plans: dict[int, Plan | None] = {}  # by fiscal year

    def plan_for(day: dt.date) -> Plan | None:
        key = FiscalYear.of(day).year
        if key not in plans:
            try:
                plans[key] = entries.plan_for_day(catalog, day)
            except UserError:  # no plan at all, or a broken plan file: check what needs none
                plans[key] = None
        return plans[key]

    targets = entries.targets_column()
    query = (
        Entry.select(
            Entry.uuid,
            Entry.date,
            targets,
            Entry.count,
            Entry.area,
            Organisation.name,
            Entry.case_code,
            Entry.coordinator,
            Entry.note,
        )
        .join(Organisation, on=(Entry.organisation == Organisation.id), join_type=JOIN.LEFT_OUTER)
        .where(Entry.deleted == False)  # noqa: E712 - peewee expression
        .order_by(Entry.date, Entry.id)
    )
    found: list[Problem] = []
    for uuid, day, target_ids, count, area, org, case, coordinator, note in database.execute(query):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        for field, (reason, _english) in entries.entry_problems(
            plan_for(day),
            date=day,
            targets=sorted(target_ids.split(",")) if target_ids else [],
            count=count,
            area=area,
            organisation=org,
            case_code=case,
            coordinator=coordinator or "",
            note=note or "",
        ):
            found.append(Problem(uuid, field, reason, day))
    return found
