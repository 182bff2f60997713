"""Targets as people read them, for the lines that name an entry (merge reports, conflicts,
history): the plan's short labels for the entry's day, never the ids of the plan file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog


def _labels(catalog: PlanCatalog, year: int) -> dict[str, str]:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.services.year_view import short_labels

    fy = FiscalYear(year)
    try:
        if not catalog.has(fy):  # a year without its plan yet: the latest plan's names, as log
            fy, _ = catalog.choose(dt.date(year, 4, 1))
        return short_labels(catalog.get(fy).plan)
    except UserError:
        return {}


def target_names(
    targets: Iterable[str], day: str | dt.date | None, catalog: PlanCatalog | None = None
) -> str:
    """「啓発件数、圏域ネットワーク会議」: the short labels of the plan of `day`'s fiscal year (the
    latest plan for a year without one); an id no plan here knows stays as it is. Joined with
    「、」: labels themselves hold 「・」."""
    from chofu_tui.fiscal import FiscalYear

    ids = list(targets)
    try:
        date = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    except ValueError:
        return "、".join(ids)
    names = _labels(catalog or PlanCatalog(), FiscalYear.of(date).year)
    return "、".join(names.get(t, t) for t in ids)
