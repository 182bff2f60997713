"""The entry log: list entries of one fiscal year or of all years, search them, undo safely.

Headless (no Textual): the app's log screen uses it, and the CLI's `log` can reuse `list_log`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.safetext import one_line, strip_controls
from chofu_tui.services import entries
from chofu_tui.services.entries import EntryRecord
from chofu_tui.services.organisations import org_key
from chofu_tui.store.models import database

ELLIPSIS = "…"


@dataclass(frozen=True)
class LogQuery:
    """Which entries to list. `fiscal_year` None means every year."""

    fiscal_year: int | None = None
    target: str | None = None
    area: int | None = None
    organisation: str = ""
    text: str = ""
    coordinator: str = ""  # a part of the coordinator's name
    since: dt.date | None = None
    until: dt.date | None = None
    deleted: bool = False  # deleted entries too


def fold(text: str) -> str:
    """Text folded as the organisation registry folds names (NFKC, no spaces, casefold):
    ｻﾛﾝ finds サロン, 「ひだまり サロン」 finds ひだまりサロン."""
    return org_key(text)


def target_labels(catalog: PlanCatalog, fiscal_year: int | None = None) -> dict[str, str]:
    """Target id -> label, from the year's plan; ids only other years know use their plans."""
    years = catalog.years()
    if fiscal_year is not None:
        fy = FiscalYear(fiscal_year)
        # The asked year's plan wins; the latest one names targets of a year without a plan.
        years = [y for y in years if y != fy] + ([fy] if catalog.has(fy) else [])
    labels: dict[str, str] = {}
    for fy in years:  # oldest first: a later plan's label replaces an earlier one
        try:
            plan = catalog.get(fy).plan
        except UserError:
            continue  # a broken plan file of some other year never hides the log
        labels.update({t.id: t.label for t in plan.targets()})
    return labels


def target_words(catalog: PlanCatalog, fiscal_year: int | None = None) -> dict[str, str]:
    """Target id -> every word a search finds it by (label, short label, aliases), from the
    plans as `target_labels` takes them: a search for サロン finds entries of salon-launch."""
    words: dict[str, str] = {}
    for fy in _years(catalog, fiscal_year):
        try:
            plan = catalog.get(fy).plan
        except UserError:
            continue
        for t in plan.targets():
            words[t.id] = "\n".join((t.label, t.short or "", *t.aliases))
    return words


def target_shorts(catalog: PlanCatalog, fiscal_year: int | None = None) -> dict[str, str]:
    """Target id -> its short label (略称, distinct within a plan), as `target_labels`."""
    from chofu_tui.services.year_view import short_labels

    shorts: dict[str, str] = {}
    for fy in _years(catalog, fiscal_year):
        try:
            plan = catalog.get(fy).plan
        except UserError:
            continue
        shorts.update(short_labels(plan))
    return shorts


def _years(catalog: PlanCatalog, fiscal_year: int | None) -> list[FiscalYear]:
    """The plans to name targets from, oldest first; the asked year's plan last (it wins)."""
    years = catalog.years()
    if fiscal_year is not None:
        fy = FiscalYear(fiscal_year)
        years = [y for y in years if y != fy] + ([fy] if catalog.has(fy) else [])
    return years


def plan_for_edit(catalog: PlanCatalog, record: EntryRecord) -> Plan:
    """The plan an entry is edited against: its own year's, else the latest (as saving does).

    Refuses when that plan does not know one of the entry's targets (the form could not show it).
    """
    fy = record.fiscal_year
    year = fy if catalog.has(fy) else catalog.latest()
    if year is None:
        raise UserError("計画ファイルが一つもありません", "no plan files found")
    plan = catalog.get(year).plan
    unknown = [tid for tid in record.targets if plan.target(tid) is None]
    if unknown:
        raise UserError(
            f"目標 {'、'.join(unknown)} は{plan.fy.label}の計画にないため、この記録は編集できません",
            "the entry's target is not in the plan",
        )
    return plan


# Invisible characters (zero-width, bidi marks, controls) and spaces never decide a match.
_INVISIBLE = re.compile(
    r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+"
)
# Folded text of an entry, by (uuid, updated_at): a reload while typing a search re-folds nothing.
_folded: dict[tuple[str, str], str] = {}
_FOLDED_MAX = 100_000


def _fold_fast(text: str) -> str:
    """`fold` for searching many rows: the same result for real text, without a per-character
    Python loop (NFKC, then spaces and invisible characters removed, casefolded)."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _haystack(rec: EntryRecord) -> str:
    key = (rec.uuid, rec.updated_at)
    hay = _folded.get(key)
    if hay is None:
        if len(_folded) > _FOLDED_MAX:
            _folded.clear()
        parts = (rec.note, rec.organisation or "", rec.case_code or "", rec.coordinator)
        hay = _folded[key] = "\n".join(_fold_fast(p) for p in parts)
    return hay


def matches(rec: EntryRecord, text: str, labels: Mapping[str, str]) -> bool:
    """Every word of `text` (folded) occurs in the memo, organisation, case code, coordinator
    or a target's id or label."""
    return _matcher(text, labels)(rec)


def _matcher(text: str, labels: Mapping[str, str]):
    words = [w for w in (_fold_fast(w) for w in text.split()) if w]
    folded_labels = {tid: _fold_fast(f"{tid}\n{label}") for tid, label in labels.items()}

    def ok(rec: EntryRecord) -> bool:
        hay = _haystack(rec)
        for w in words:
            if w in hay:
                continue
            if not any(w in folded_labels.get(t, _fold_fast(t)) for t in rec.targets):
                return False
        return True

    return ok


def list_log(
    query: LogQuery,
    labels: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[EntryRecord]:
    """Live entries, newest first, of one year or all years, filtered by `query`.

    `limit`/`offset` give one page (the log screen opens on its first page at once). A search
    (`query.text`) still searches every entry: the page is taken from what matched.
    """

    def listed(limit: int | None = None, offset: int = 0) -> list[EntryRecord]:
        return entries.list_entries(
            query.fiscal_year,
            target=query.target,
            area=query.area,
            organisation=query.organisation or None,
            coordinator=query.coordinator or None,
            since=query.since,
            until=query.until,
            include_deleted=query.deleted,
            limit=limit,
            offset=offset,
        )

    if not query.text.strip():
        return listed(limit, offset)
    ok = _matcher(query.text, labels or {})
    found = [r for r in listed() if ok(r)]
    return found[offset:] if limit is None else found[offset : offset + limit]


def memo_summary(note: str) -> str:
    """A memo on one line: its first non-empty line, and 「…」 when there is more."""
    lines = [line for line in strip_controls(note, multiline=True).split("\n") if line.strip()]
    if not lines:
        return ""
    head = one_line(lines[0]).strip()
    return head + ELLIPSIS if len(lines) > 1 else head


def describe(rec: EntryRecord, labels: Mapping[str, str]) -> str:
    """An entry in one line for a message: 2024-05-10 啓発件数 ひだまりサロン (3回)."""
    names = "、".join(labels.get(tid, tid) for tid in rec.targets)
    who = one_line(rec.organisation or rec.case_code or "")
    count = f"({rec.count}回)" if rec.count != 1 else ""
    return " ".join(p for p in (rec.date.isoformat(), names, who, count) if p)


def _content(rec: EntryRecord) -> tuple:
    return (
        rec.date,
        rec.targets,
        rec.coordinator,
        rec.area,
        rec.organisation,
        rec.case_code,
        rec.count,
        rec.note,
        rec.deleted,
    )


def undo(before: EntryRecord, after: EntryRecord) -> EntryRecord:
    """Put an entry back as `before` showed it, unless it changed after `after` (the state
    the change being undone left): another window, the CLI or a merge may have edited it since.
    Checked and written in one transaction (the write lock is taken at its start)."""
    with database.atomic():
        try:
            now = entries.get_entry(before.uuid)
        except UserError:
            raise UserError(
                "この記録はもうないため、元に戻せません", "the entry no longer exists"
            ) from None
        if now.updated_at != after.updated_at or _content(now) != _content(after):
            raise UserError(
                "この記録はその後ほかの場所 (別の画面・コマンド・統合) で変更されたため、"
                "元に戻しませんでした。記録一覧で内容を確かめてください",
                "the entry changed since; not undone",
            )
        return entries.restore_snapshot(before)


def local_time(stamp: str) -> str:
    """A stored UTC stamp (2024-05-10T01:02:03.456789Z) as local time to the second."""
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return one_line(stamp)  # a row from elsewhere with another shape: shown as it is
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
