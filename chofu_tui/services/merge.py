"""Combining the stores of several laptops into one, and taking consistent copies.

Rows are matched by UUID. When both sides have a row, the later `updated_at` wins, so an
edit or a deletion made on one laptop is never undone by an older copy from another
(a tombstone is just a row whose latest state is `deleted`). Organisations are matched
by UUID, then by their normalised name, so the same salon typed on two laptops is one.
Merging the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import uuid as uuid_module
from dataclasses import dataclass
from pathlib import Path

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.services import entries, evaluations, organisations
from chofu_tui.services.checks import Problem
from chofu_tui.store.db import SCHEMA_VERSION, open_file
from chofu_tui.store.models import Entry, Evaluation, Organisation, database
from chofu_tui.store.sources import open_source


@dataclass(frozen=True)
class MergeResult:
    source: Path
    entries_added: int
    entries_updated: int
    entries_unchanged: int
    organisations_added: int
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # rows left out by --skip-invalid, with why
    evaluations_added: int = 0  # 評価・課題
    evaluations_updated: int = 0


Source = tuple[list[dict], list[dict], dict[str, list[str]], list[dict]]


def _read_source(path: Path) -> Source:
    """Read another store without changing a byte of it: its organisations, entries, each
    entry's targets (by UUID) and its 評価・課題 (none from a store made before they existed)."""
    if path.is_dir():
        raise UserError(
            f"{path} はフォルダーです。データベースのファイルを指定してください", "is a directory"
        )
    if not path.is_file():
        raise UserError(f"取り込むファイル {path} がありません", "no such file")
    try:
        with open_source(path) as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{path} は新しい版のプログラムで作られています。プログラムを更新してください",
                    "source store is newer than this program",
                )
            orgs = [dict(r) for r in con.execute("SELECT * FROM organisation")]
            rows = [dict(r) for r in con.execute("SELECT * FROM entry")]
            targets: dict[int, list[str]] = {}
            for entry_id, target_id in con.execute("SELECT entry_id, target_id FROM entry_target"):
                targets.setdefault(entry_id, []).append(target_id)
            has_evaluations = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evaluation'"
            ).fetchone()
            evaluations = (
                [dict(r) for r in con.execute("SELECT * FROM evaluation")]
                if has_evaluations
                else []
            )
    except (sqlite3.DatabaseError, OSError) as exc:
        raise UserError(
            f"{path} は chofu-tui のデータベースとして読めません: {exc}", "not a chofu-tui store"
        ) from None
    by_uuid = {r["uuid"]: sorted(targets.get(r["id"], [])) for r in rows}
    return orgs, rows, by_uuid, evaluations


def _check_entry(path: Path, row: dict, targets: list[str]) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(row["date"]))
        ok = (
            isinstance(row["count"], int)
            and row["count"] >= 1
            and isinstance(row["area"], int)
            and bool(targets)
            and bool(row["uuid"])
            and bool(row["updated_at"])
        )
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise UserError(
            f"{path} の記録 {row.get('uuid')} が壊れています。何も取り込んでいません",
            "damaged entry in source",
        )
    return day


def _uncounted(catalog: PlanCatalog | None, rows: list[dict], targets_of: dict) -> list[str]:
    """Entries that no plan on this machine can count (another laptop's own targets or areas)."""
    if catalog is None:
        return []
    out = []
    for row in rows:
        fy = FiscalYear.of(dt.date.fromisoformat(str(row["date"])))
        if row["deleted"] or not catalog.has(fy):
            continue
        try:
            plan = catalog.get(fy).plan
        except UserError:
            continue
        known = {t.id for t in plan.targets()}
        if plan.area(row["area"]) is None or not set(targets_of[row["uuid"]]) <= known:
            out.append(row["uuid"])
    return out


_ENTRY_COLUMNS = (
    "id", "uuid", "date", "coordinator", "area", "organisation_id", "case_code", "count",
    "note", "created_at", "updated_at", "device_id", "deleted",
)  # fmt: skip
_ORG_COLUMNS = (
    "id", "uuid", "name", "key", "merged_into_id", "created_at", "updated_at", "device_id",
)  # fmt: skip
_EVALUATION_COLUMNS = (
    "uuid", "fiscal_year", "initiative_id", "text", "created_at", "updated_at", "device_id",
)  # fmt: skip
_SHOWN = 5  # bad rows named in a refusal


def _missing_columns(path: Path, table: str, rows: list[dict], columns: tuple[str, ...]) -> None:
    if rows and (missing := [c for c in columns if c not in rows[0]]):
        raise UserError(
            f"{path} の {table} 表に列 {', '.join(missing)} がありません (chofu-tui の"
            "データベースとして壊れています)。何も取り込んでいません",
            "source store lacks columns",
        )


def _shown(value: object) -> str:
    return safetext.one_line(str(value))[:40]


def _stamp_problem(row: dict) -> tuple[str, str] | None:
    for field in ("uuid", "created_at", "updated_at", "device_id"):
        if not isinstance(row[field], str) or not row[field].strip():
            return field, f"{field} が空か文字列ではありません"
    try:
        uuid_module.UUID(row["uuid"])
    except ValueError:
        return "uuid", "uuid の形が正しくありません"
    return None


def _check_organisations(orgs: list[dict]) -> tuple[list[dict], dict[int, Problem]]:
    """The source's organisations cleaned as `add` cleans a name, and those that cannot come in:
    a bad name, a `merged_into` that points nowhere or goes round in a loop."""
    by_id = {o["id"]: o for o in orgs}
    bad: dict[int, Problem] = {}
    cleaned: list[dict] = []
    for o in orgs:
        name = organisations.display_name(o["name"]) if isinstance(o["name"], str) else ""
        problem = _stamp_problem(o)
        if problem is None and not name:
            problem = "organisation.name", "団体名が空です"
        if problem is None and len(name) > organisations.MAX_NAME:
            problem = (
                "organisation.name",
                f"団体名は{organisations.MAX_NAME}文字までです ({len(name):,}文字あります)",
            )
        if problem is not None:
            bad[o["id"]] = Problem(_shown(o["uuid"]), *problem)
        # the key is ours to compute: a source's key could name another organisation
        cleaned.append({**o, "name": name, "key": organisations.org_key(name)})
    for o in orgs:
        if o["id"] in bad:
            continue
        seen = [o["id"]]
        current = o
        while (nxt := current["merged_into_id"]) is not None:
            reason = ""
            if nxt not in by_id:
                reason = f"統合先の団体 (id {_shown(nxt)}) がありません"
            elif nxt in seen:
                reason = "統合先 (merged_into) をたどると輪になっています"
            elif nxt in bad:
                reason = f"統合先の団体 {bad[nxt].uuid} が取り込めません"
            if reason:
                bad[o["id"]] = Problem(_shown(o["uuid"]), "organisation.merged_into", reason)
                break
            seen.append(nxt)
            current = by_id[nxt]
    return [o for o in cleaned if o["id"] not in bad], bad


def _check_entry_row(
    row: dict,
    targets: list,
    orgs: dict[int, dict],
    bad_orgs: dict[int, Problem],
    catalog: PlanCatalog | None,
) -> tuple[dict | None, tuple[str, str] | None]:
    """An incoming entry cleaned as `add` cleans one, or the first rule it breaks."""
    if problem := _stamp_problem(row):
        return None, problem
    try:
        day = dt.date.fromisoformat(str(row["date"]))
    except ValueError:
        return None, ("date", f"日付 {_shown(row['date'])} が読めません")
    texts = {f: row[f] for f in ("coordinator", "case_code", "note")}
    for field, value in texts.items():
        if value is not None and not isinstance(value, str):
            return None, (field, f"{field} が文字列ではありません")
    if row["deleted"] not in (0, 1):
        return None, ("deleted", "deleted が 0 か 1 ではありません")
    if not all(isinstance(t, str) for t in targets):
        return None, ("targets", "目標 id が文字列ではありません")
    org_id = row["organisation_id"]
    org_name = None
    if org_id is not None:
        if org_id in bad_orgs:
            return None, ("organisation", f"団体 {bad_orgs[org_id].uuid} が取り込めません")
        if org_id not in orgs:
            return None, ("organisation", f"団体 (id {_shown(org_id)}) が取り込み元にありません")
        survivor = orgs[org_id]
        while survivor["merged_into_id"] is not None:
            survivor = orgs[survivor["merged_into_id"]]
        org_name = survivor["name"]
    plan: Plan | None = None
    if catalog is not None:
        try:
            plan = entries.plan_for_day(catalog, day)
        except UserError:
            plan = None
    cleaned = {
        **row,
        "coordinator": entries.clean_name(texts["coordinator"] or ""),
        "case_code": entries.clean_case_code(texts["case_code"]),
        "note": entries.clean_note(texts["note"]),
    }
    # the rules of `add`, except "not after today": another laptop's clock may run ahead
    problems = entries.entry_problems(
        plan,
        date=day,
        targets=targets,
        count=row["count"],
        area=row["area"],
        organisation=org_name,
        case_code=cleaned["case_code"],
        coordinator=cleaned["coordinator"],
        note=cleaned["note"],
    )
    if problems:
        field, (reason, _english) = problems[0]
        return None, (field, reason)
    return cleaned, None


def _check_evaluation(row: dict) -> tuple[dict | None, tuple[str, str] | None]:
    """An incoming 評価・課題 cleaned as the app cleans one, or the first rule it breaks."""
    if problem := _stamp_problem(row):
        return None, problem
    year = row["fiscal_year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 2019 <= year <= 2100:
        return None, ("evaluation.fiscal_year", f"年度 {_shown(year)} が正しくありません")
    initiative = row["initiative_id"]
    if not isinstance(initiative, str) or not initiative.strip():
        return None, ("evaluation.initiative_id", "取組 id が空か文字列ではありません")
    if not isinstance(row["text"], str):
        return None, ("evaluation.text", "評価・課題が文字列ではありません")
    try:
        text = evaluations.clean(row["text"])
    except UserError as exc:
        return None, ("evaluation.text", exc.message)
    if why := evaluations.problem(text):
        return None, ("evaluation.text", why[0])
    return {**row, "initiative_id": initiative.strip(), "text": text}, None


def _validated(
    path: Path,
    source: Source,
    catalog: PlanCatalog | None,
    skip_invalid: bool,
) -> tuple[list[dict], list[dict], list[dict], tuple[Problem, ...]]:
    """The source's rows that pass the rules of `add` (評価・課題: those of the app); any other
    refuses the whole merge (a UserError naming the first bad rows) unless `skip_invalid`, which
    lists them instead."""
    orgs, rows, targets_of, incoming = source
    _missing_columns(path, "entry", rows, _ENTRY_COLUMNS)
    _missing_columns(path, "organisation", orgs, _ORG_COLUMNS)
    _missing_columns(path, "evaluation", incoming, _EVALUATION_COLUMNS)
    good_orgs, bad_orgs = _check_organisations(orgs)
    by_id = {o["id"]: o for o in good_orgs}
    problems = list(bad_orgs.values())
    good_rows: list[dict] = []
    for row in rows:
        cleaned, problem = _check_entry_row(
            row, targets_of.get(row["uuid"], []), by_id, bad_orgs, catalog
        )
        if problem is not None:
            problems.append(Problem(_shown(row["uuid"]), *problem))
        elif cleaned is not None:  # a row without a problem always comes back cleaned
            good_rows.append(cleaned)
    good_evaluations: list[dict] = []
    for row in incoming:
        cleaned, problem = _check_evaluation(row)
        if problem is not None:
            problems.append(Problem(_shown(row["uuid"]), *problem))
        elif cleaned is not None:
            good_evaluations.append(cleaned)
    if problems and not skip_invalid:
        lines = "\n".join(f"  {p.uuid}  {p.field}: {p.reason}" for p in problems[:_SHOWN])
        more = f"\n  ほか {len(problems) - _SHOWN} 件" if len(problems) > _SHOWN else ""
        raise UserError(
            f"{path} に取り込めない記録が {len(problems)} 件あります (壊れています、または記録の"
            f"規則に合いません)。何も取り込んでいません:\n{lines}{more}\n"
            "規則に合う記録だけを取り込むには「chofu-tui merge --skip-invalid」を使ってください",
            "invalid rows in source; nothing merged",
        )
    return good_orgs, good_rows, good_evaluations, tuple(problems)


def merge_store(
    path: Path, catalog: PlanCatalog | None = None, *, skip_invalid: bool = False
) -> MergeResult:
    """Bring every entry and organisation of the store at `path` into the open store."""
    path = Path(path).expanduser()
    source = _read_source(path)
    targets_of = source[2]
    orgs, rows, incoming, skipped = _validated(path, source, catalog, skip_invalid)
    added = updated = unchanged = orgs_added = 0
    with database.atomic():
        # organisations: source id -> local Organisation (survivors first, then merged ones)
        local_for: dict[int, Organisation] = {}
        by_source_id = {o["id"]: o for o in orgs}

        def survivor_id(source_id: int) -> int:
            seen: set[int] = set()
            while by_source_id[source_id]["merged_into_id"] is not None and source_id not in seen:
                seen.add(source_id)
                source_id = by_source_id[source_id]["merged_into_id"]
            return source_id

        for o in orgs:
            if o["merged_into_id"] is not None:
                continue
            org = Organisation.get_or_none(Organisation.uuid == o["uuid"])
            if org is None:
                org = Organisation.get_or_none(Organisation.key == o["key"])
            if org is None:
                org = Organisation.create(
                    uuid=o["uuid"],
                    name=o["name"],
                    key=o["key"],
                    created_at=o["created_at"],
                    updated_at=o["updated_at"],
                    device_id=o["device_id"],
                )
                orgs_added += 1
            local_for[o["id"]] = _live(org)
        for o in orgs:
            if o["merged_into_id"] is None:
                continue
            keep = local_for[survivor_id(o["id"])]
            local_for[o["id"]] = keep
            # a merge made on the other laptop applies here too
            here = Organisation.get_or_none(Organisation.uuid == o["uuid"])
            if here is not None and here.merged_into_id is None and here.id != keep.id:
                Entry.update(organisation=keep).where(Entry.organisation == here).execute()
                Organisation.update(merged_into=keep, updated_at=o["updated_at"]).where(
                    (Organisation.id == here.id) | (Organisation.merged_into == here.id)
                ).execute()

        def resolve(source_id: int | None) -> Organisation | None:
            return local_for.get(source_id) if source_id is not None else None

        for row in rows:
            targets = targets_of[row["uuid"]]
            day = _check_entry(path, row, targets)
            fields = {
                "date": day,
                "fiscal_year": FiscalYear.of(day).year,
                "coordinator": row["coordinator"] or "",
                "area": row["area"],
                "organisation": resolve(row["organisation_id"]),
                "case_code": row["case_code"],
                "count": row["count"],
                "note": row["note"] or "",
                "updated_at": row["updated_at"],
                "deleted": bool(row["deleted"]),
            }
            local = Entry.get_or_none(Entry.uuid == row["uuid"])
            if local is None:
                entries.insert_entry(
                    targets,
                    uuid=row["uuid"],
                    created_at=row["created_at"],
                    device_id=row["device_id"],
                    **fields,
                )
                added += 1
            elif row["updated_at"] > local.updated_at:
                Entry.update(**fields).where(Entry.id == local.id).execute()
                entries.set_targets(local.id, targets, replace=True)
                updated += 1
            else:
                unchanged += 1
        evaluations_added, evaluations_updated = _merge_evaluations(path, incoming)
    warnings: tuple[str, ...] = ()
    if odd := _uncounted(catalog, rows, targets_of):
        warnings = (
            f"{path}: {len(odd)} 件の記録は、この計画にない目標か圏域を含むため一部が集計されません"
            f" (例: {odd[0]})",
        )
    return MergeResult(
        path,
        added,
        updated,
        unchanged,
        orgs_added,
        warnings,
        skipped,
        evaluations_added,
        evaluations_updated,
    )


def _merge_evaluations(path: Path, incoming: list[dict]) -> tuple[int, int]:
    """Bring validated 評価・課題 in (inside the caller's transaction): (added, updated).

    Matched by UUID, then by year and initiative (two laptops may each have written one for
    the same initiative); as for entries, the later `updated_at` wins, and the winner's row
    (its UUID too) is what both stores keep, so merging either way round ends the same."""
    added = updated = 0
    for row in incoming:
        local = Evaluation.get_or_none(Evaluation.uuid == row["uuid"])
        if local is not None and (local.fiscal_year, local.initiative_id) != (
            row["fiscal_year"],
            row["initiative_id"],
        ):
            # the year and initiative of a record never change: the source is not as written
            # (raised inside the merge's transaction: nothing comes in)
            raise UserError(
                f"{path} の評価・課題 {_shown(row['uuid'])} の年度・取組がこのデータベースの同じ"
                "記録と違います (壊れています)。何も取り込んでいません",
                "evaluation changed its initiative in source",
            )
        if local is None:
            local = Evaluation.get_or_none(
                (Evaluation.fiscal_year == row["fiscal_year"])
                & (Evaluation.initiative_id == row["initiative_id"])
            )
        fields = {
            "uuid": row["uuid"],
            "fiscal_year": row["fiscal_year"],
            "initiative_id": row["initiative_id"],
            "text": row["text"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "device_id": row["device_id"],
        }
        if local is None:
            Evaluation.insert(**fields).execute()
            added += 1
        elif row["updated_at"] > local.updated_at:
            Evaluation.update(**fields).where(Evaluation.id == local.id).execute()
            updated += 1
    return added, updated


def _live(org: Organisation) -> Organisation:
    while org.merged_into_id is not None:
        org = Organisation.get_by_id(org.merged_into_id)
    return org


def merge_stores(
    paths: list[Path], catalog: PlanCatalog | None = None, *, skip_invalid: bool = False
) -> list[MergeResult]:
    """Merge several stores in one transaction: all of them, or (on any error) none.

    Every incoming row passes the rules of a new entry (except "not after today"); one that
    does not refuses the whole merge, unless `skip_invalid` leaves it out (and lists it)."""
    here = open_file()
    if here is not None and any(_same_file(Path(p).expanduser(), here) for p in paths):
        raise UserError("取り込み先と同じデータベースは取り込めません", "source is the target")
    with database.atomic():
        return [merge_store(p, catalog, skip_invalid=skip_invalid) for p in paths]


def _same_file(a: Path, b: Path) -> bool:
    """The same file under another name too (a symlink or a hard link)."""
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False
