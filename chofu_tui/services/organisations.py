"""The organisation registry: one row per real organisation, however its name is typed."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from peewee import fn

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.services.clock import now_stamp
from chofu_tui.store.changelog import organisation_state
from chofu_tui.store.models import Entry, EntryTarget, Organisation, database

_SPACES = re.compile(r"\s+")
MAX_NAME = 100


def _visible(text: str) -> str:
    # Zero-width and control characters would make two names that look alike count as two.
    return "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc") or c.isspace())


def display_name(name: str) -> str:
    """The name as typed, with invisible and control characters removed and spaces folded."""
    return _SPACES.sub(" ", _visible(safetext.strip_controls(name))).strip()


def org_key(name: str) -> str:
    """The matching key: 「ひだまりサロン若葉」 and 「ひだまりサロン 若葉 」 are one organisation."""
    return _SPACES.sub(
        "", unicodedata.normalize("NFKC", _visible(safetext.strip_controls(name)))
    ).casefold()


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    approaches: int  # entries naming it in the year asked for


def _validate(name: str) -> str:
    shown = display_name(name)
    if not shown:
        raise UserError("団体名が空です", "organisation name is empty")
    if len(shown) > MAX_NAME:
        raise UserError(
            f"団体名は{MAX_NAME}文字までです ({len(shown):,}文字あります)",
            "organisation name too long",
        )
    return shown


def find(name: str) -> Organisation | None:
    org = Organisation.get_or_none(Organisation.key == org_key(name))
    while org is not None and org.merged_into is not None:
        org = org.merged_into  # one query, as get_by_id
    return org


def find_or_create(name: str, device_id: str) -> Organisation:
    """Call inside a transaction."""
    shown = _validate(name)
    org = find(shown)
    if org is not None:
        return org
    stamp = now_stamp()
    org = Organisation.create(
        uuid=str(uuid.uuid4()),
        name=shown,
        key=org_key(shown),
        created_at=stamp,
        updated_at=stamp,
        device_id=device_id,
    )
    from chofu_tui.services import changes  # here: changes -> checks -> entries imports us

    state = organisation_state(created_at=stamp, device_id=device_id, merged_into=None, name=shown)
    changes.record_change("organisation", org.uuid, "create", state, at=stamp, new=True)
    return org


def search(prefix: str = "", limit: int = 20) -> list[str]:
    """Registry names containing `prefix` (normalised), for completion."""
    query = Organisation.select(Organisation.name).where(Organisation.merged_into.is_null())
    if key := org_key(prefix):
        query = query.where(Organisation.key.contains(key))
    return [o.name for o in query.order_by(Organisation.name).limit(limit)]


def list_with_counts(fiscal_year: int) -> list[OrganisationRow]:
    counts = (
        Entry.select(Entry.organisation, fn.COUNT(Entry.id).alias("n"))
        .where(
            (Entry.fiscal_year == fiscal_year)
            & (Entry.deleted == False)  # noqa: E712 - peewee expression
            & Entry.organisation.is_null(False)
        )
        .group_by(Entry.organisation)
    )
    # (organisation id, entries) rows: the stubs know only whole Entry rows
    by_org = dict(cast("Iterable[tuple[int, int]]", counts.tuples()))
    orgs = (
        Organisation.select().where(Organisation.merged_into.is_null()).order_by(Organisation.name)
    )
    return [OrganisationRow(o.id, o.name, by_org.get(o.id, 0)) for o in orgs]


def rename(org_id: int, new_name: str) -> None:
    shown = _validate(new_name)
    with database.atomic():
        org = Organisation.get_or_none(Organisation.id == org_id)
        if org is None:
            raise UserError("その団体はありません", "no such organisation")
        other = Organisation.get_or_none(Organisation.key == org_key(shown))
        if other is not None and other.id != org.id:
            raise UserError(
                f"「{other.name}」が既にあります。統合してください",
                "name taken; merge instead",
            )
        stamp = now_stamp()
        org.name, org.key, org.updated_at = shown, org_key(shown), stamp
        org.save()
        # the rename travels: an organisation change, which other stores apply
        from chofu_tui.services import changes

        changes.organisation_changed(org.uuid, "rename", stamp, name=shown)


def merge(keep_id: int, gone_id: int) -> int:
    """Fold `gone` into `keep`: its entries count for `keep`; it stays as a pointer. Returns
    entries moved.

    One organisation change (op fold) on `gone`; the entries' own changes are not touched
    (their states keep the organisation they were written with), only their materialised
    organisation is re-pointed, so a fold never undoes another laptop's edit or deletion."""
    if keep_id == gone_id:
        raise UserError("同じ団体どうしは統合できません", "cannot merge into itself")
    with database.atomic():
        keep = Organisation.get_or_none(Organisation.id == keep_id)
        gone = Organisation.get_or_none(Organisation.id == gone_id)
        if keep is None or gone is None:
            raise UserError("その団体はありません", "no such organisation")
        if _live(keep).id == gone.id:
            raise UserError("統合先が統合元に統合されています", "cannot merge into itself")
        stamp = now_stamp()
        moved = Entry.select().where(Entry.organisation == gone).count()
        from chofu_tui.services import changes

        changes.organisation_changed(gone.uuid, "fold", stamp, merged_into=keep.uuid)
        changes.materialise_organisations()
    return moved


def _live(org: Organisation) -> Organisation:
    seen = {org.id}
    while org.merged_into_id is not None and org.merged_into_id not in seen:
        seen.add(org.merged_into_id)
        org = Organisation.get_by_id(org.merged_into_id)
    return org


@dataclass(frozen=True)
class OrganisationListing:
    """One organisation as `orgs list` shows it: nothing local (no row ids), so two stores that
    exchanged every change list the same bytes."""

    name: str
    uuid: str
    entries: int  # live entries of the year counted for it
    merged_into: str | None = None  # the survivor's uuid, for one folded into another
    merged_into_name: str | None = None


def listing(fiscal_year: int, *, include_merged: bool = False) -> list[OrganisationListing]:
    counts = dict(
        cast(
            "Iterable[tuple[int, int]]",
            Entry.select(Entry.organisation, fn.COUNT(Entry.id))
            .where(
                (Entry.fiscal_year == fiscal_year)
                & (Entry.deleted == False)  # noqa: E712 - peewee expression
                & Entry.organisation.is_null(False)
            )
            .group_by(Entry.organisation)
            .tuples(),
        )
    )
    rows = list(Organisation.select())
    by_id = {o.id: o for o in rows}
    out = []
    for o in rows:
        target = by_id.get(o.merged_into_id) if o.merged_into_id is not None else None
        if target is not None and not include_merged:
            continue
        out.append(
            OrganisationListing(
                o.name,
                o.uuid,
                counts.get(o.id, 0),
                target.uuid if target is not None else None,
                _live(target).name if target is not None else None,
            )
        )
    return sorted(out, key=lambda r: (r.merged_into is not None, org_key(r.name), r.uuid))


def find_by_ident(text: str) -> Organisation:
    """The organisation named `text` (as typed anywhere: the normalised key) or whose uuid
    starts with `text` (6 characters or more). A UserError (Japanese) for none or several."""
    shown = safetext.one_line(text)[:40]
    key = org_key(text)
    if not key:
        raise UserError("団体名が空です", "organisation name is empty")
    org = Organisation.get_or_none(Organisation.key == key)
    if org is not None:
        return org
    low = key.lower()
    if len(low.replace("-", "")) >= 6 and re.fullmatch(r"[0-9a-f-]+", low):
        rows = list(Organisation.select().where(Organisation.uuid.startswith(low)).limit(2))
        if len(rows) > 1:
            raise UserError(
                f"id '{shown}' で始まる団体が複数あります。もっと長く指定してください",
                "ambiguous organisation id",
            )
        if rows:
            return rows[0]
    raise UserError(
        f"団体「{shown}」はありません (「chofu-tui orgs list --all」で確かめられます)",
        "no such organisation",
    )


__all__ = [
    "EntryTarget",
    "OrganisationListing",
    "OrganisationRow",
    "display_name",
    "find",
    "find_by_ident",
    "find_or_create",
    "list_with_counts",
    "listing",
    "merge",
    "org_key",
    "rename",
    "search",
]
