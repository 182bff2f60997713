"""Entries: add, log, delete, restore, and check (rows stored before today's rules)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from chofu_tui.cli.common import note, print_json
from chofu_tui.cli.parser import (
    FY_HELP,
    Command,
    JaParser,
    add_json,
    always,
    date_arg,
    fy_arg,
    int_arg,
)
from chofu_tui.fiscal import FiscalYear

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.plan import Plan
    from chofu_tui.services.entries import EntryDraft, EntryRecord


def _add_arguments(p: JaParser) -> None:
    p.add_argument(
        "target_ids",
        nargs="+",
        metavar="目標",
        help="目標の番号・id・名前・略称・検索語 (啓発、3、世帯 など。複数可。「targets」で一覧)",
    )
    p.add_argument(
        "--date",
        type=date_arg,
        help="活動日 (2024-05-10、2024/5/10、5/10、令和6年5月10日、R6.5.10。既定: 今日)",
    )
    p.add_argument("--count", type=int_arg, default=1, help="回数・件数 (1〜999、既定: 1)")
    p.add_argument("--area", help="圏域の番号または名前 (既定: 設定の圏域)")
    p.add_argument("--org", help="相手の団体名")
    p.add_argument("--case", help="ケースコード (仮名コード C-0012 など。氏名は記録しません)")
    p.add_argument("--coordinator", help="コーディネーター名 (40文字まで。既定: 設定)")
    p.add_argument("--note", default="", help="メモ (4,000文字まで。個人情報は書かない)")
    add_json(p)


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    today = ctx.today()
    day = args.date or today
    plan = ctx.plan_for_entry(day)
    settings = ctx.settings()
    area = entries.resolve_area(plan, args.area) if args.area else settings.area
    if args.coordinator is not None:  # typed on purpose: a blank name is a mistake
        coordinator = entries.coordinator_name(args.coordinator)
    else:
        coordinator = settings.coordinator
    draft = entries.EntryDraft(
        targets=_target_ids(plan, args.target_ids),
        date=day,
        area=area,
        count=args.count,
        organisation=args.org,
        case_code=args.case,
        coordinator=coordinator,
        note=args.note,
    )
    saved = entries.log_entry(ctx.catalog, draft, today=today)
    warnings = list(saved.warnings)
    if not saved.entry.coordinator:
        warnings.append(
            "記録者 (コーディネーター名) が設定されていないので、記録者なしで保存しました。"
            "「chofu-tui settings --coordinator 名前」で設定してください"
        )
    for w in warnings:
        note(w)
    credited = _credited(ctx, saved.entry)
    if args.json:
        print_json({"uuid": saved.entry.uuid, "warnings": warnings, "credited": credited})
    else:
        print(saved.entry.uuid)  # the first line, alone: scripts read the new id from it
        for c in credited:
            added = f" +{c['added']}" if c["added"] else ""
            print(f"{c['short']}{added} → {c['actual']} / {c['target']} {c['unit']}")
    return 0


def _target_ids(plan: Plan, words: list[str]) -> tuple[str, ...]:
    """Each word (number, id, label, short label or alias; 「啓発,世帯」 too) as a target id."""
    from chofu_tui.services.year_view import resolve_target

    split = [w for word in words for w in word.replace("、", ",").split(",") if w.strip()]
    return tuple(resolve_target(plan, w) for w in split)


def _credited(ctx: Context, entry: EntryRecord) -> list[dict[str, str | int | None]]:
    """What the entry added, with the year's figure after it (the engine's figures, as the
    dashboard shows them): 啓発件数 +1 → 463 / 800 回."""
    from chofu_tui.plan import TargetKind
    from chofu_tui.services.clock import as_of_for
    from chofu_tui.services.progress import figure_unit, progress_for
    from chofu_tui.services.year_view import short_labels

    fy = entry.fiscal_year
    if not ctx.catalog.has(fy):
        return []  # counted once the year's plan exists (the warning above says so)
    plan = ctx.catalog.get(fy).plan
    prog = progress_for(plan, as_of_for(fy, ctx.today()))
    shorts = short_labels(plan)
    shown = [t for t in plan.targets() if t.id in entry.targets or t.source in entry.targets]
    out: list[dict[str, str | int | None]] = []
    for t in shown:
        tp = prog.get(t.id)
        # a count target gains the entry's count; a derived or per-area figure may move or not
        added = entry.count if t.id in entry.targets and t.kind is TargetKind.COUNT else None
        out.append(
            {
                "id": t.id,
                "short": shorts[t.id],
                "added": added,
                "actual": tp.actual,
                "target": tp.goal,
                "unit": figure_unit(t),
            }
        )
    return out


def _log_arguments(p: JaParser) -> None:
    p.add_argument(
        "--fy", type=fy_arg, help=FY_HELP + " (既定: 今年度。--since/--until だけなら全年度)"
    )
    p.add_argument("--search", help="メモ・団体・ケースコード・記録者・目標名で探す (ｻﾛﾝ でサロン)")
    p.add_argument("--area", help="圏域の番号または名前")
    p.add_argument("--target", help="目標の番号・id・名前・略称・検索語")
    p.add_argument("--coordinator", help="記録者 (名前の一部)")
    p.add_argument("--since", type=date_arg, help="この日から (活動日)")
    p.add_argument("--until", type=date_arg, help="この日まで (活動日)")
    p.add_argument("--deleted", action="store_true", help="削除した記録も含める")
    add_json(p)


# 80 columns: 日付 10, 目標 16, 圏域 4, 数 3, 団体 10, メモ 17, id 8, and two spaces between
_LOG_WIDTHS = {"target": 16, "org": 10, "memo": 17}


def cmd_log(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entry_log

    dated = args.since is not None or args.until is not None
    # the log needs no plan: today's year, or every year when only dates are given
    fy = args.fy or (None if dated else FiscalYear.of(ctx.today()))
    plan = _plan_for_words(ctx, fy)
    area = None
    if args.area:
        area = _resolve_area(plan, args.area)
    target = None
    if args.target:
        target = resolve_words(plan, args.target)
    query = entry_log.LogQuery(
        fiscal_year=fy.year if fy else None,
        target=target,
        area=area,
        text=args.search or "",
        coordinator=args.coordinator or "",
        since=args.since,
        until=args.until,
        deleted=args.deleted,
    )
    year = fy.year if fy else None
    rows = entry_log.list_log(query, entry_log.target_words(ctx.catalog, year))
    if args.json:
        print_json(
            {
                "fiscal_year": year,
                "label": fy.label if fy else "全年度",
                "entries": [
                    {**asdict(e), "date": e.date.isoformat(), "targets": list(e.targets)}
                    for e in rows
                ],
            }
        )
        return 0
    from chofu_tui.safetext import one_line
    from chofu_tui.textfmt import table

    shorts = entry_log.target_shorts(ctx.catalog, year)
    print(f"{fy.label if fy else '全年度'} の記録 {len(rows)} 件")
    # one_line: rows stored before today's rules (or merged in) may carry escape codes
    body = [
        [
            e.date.isoformat(),
            _cut("、".join(one_line(shorts.get(t, t)) for t in e.targets), _LOG_WIDTHS["target"]),
            str(e.area),
            str(e.count),
            _cut(one_line(e.organisation or e.case_code or ""), _LOG_WIDTHS["org"]),
            _cut(
                ("[削除]" if e.deleted else "") + entry_log.memo_summary(e.note),
                _LOG_WIDTHS["memo"],
            ),
            one_line(e.uuid)[:8],
        ]
        for e in rows
    ]
    print(table(["日付", "目標", "圏域", "数", "団体", "メモ", "id"], body, align="llrrlll"))
    return 0


def _cut(text: str, width: int) -> str:
    """At most `width` cells, cut with 「…」."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 2:  # 「…」 takes up to two cells
            break
        out += ch
    return out + "…"


def _plan_for_words(ctx: Context, fy: FiscalYear | None) -> Plan | None:
    """The plan whose names `--target` and `--area` are read with: the year's, else the latest."""
    year = fy if fy is not None and ctx.catalog.has(fy) else ctx.catalog.latest()
    return ctx.catalog.get(year).plan if year is not None else None


def _resolve_area(plan: Plan | None, text: str) -> int:
    from chofu_tui.errors import UserError
    from chofu_tui.services import entries

    if plan is not None:
        found = entries.resolve_area(plan, text)
        assert found is not None  # a non-empty text is an area or an error
        return found
    try:
        return int(text)
    except ValueError:
        raise UserError(f"圏域 {text!r} がありません", "unknown area") from None


def resolve_words(plan: Plan | None, word: str) -> str:
    """One target word as an id (unchanged without a plan to read it with)."""
    from chofu_tui.services.year_view import resolve_target

    return resolve_target(plan, word) if plan is not None else word.strip()


def _id_argument(p: JaParser) -> None:
    p.add_argument("uuid", metavar="ID", help="記録の id (先頭 6 文字以上でも可。「log」で確認)")


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(entries.find_entry(args.uuid).uuid, True)
    print(f"削除しました: {record.uuid} (「chofu-tui restore {record.uuid[:8]}」で戻せます)")
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(entries.find_entry(args.uuid).uuid, False)
    print(f"戻しました: {record.uuid}")
    return 0


def _edit_arguments(p: JaParser) -> None:
    _id_argument(p)
    p.add_argument("--date", type=date_arg, help="活動日 (2024-05-10、5/10、R6.5.10 など)")
    p.add_argument("--area", help="圏域の番号または名前")
    p.add_argument("--org", help='相手の団体名 ("" で消す)')
    p.add_argument("--note", help='メモ ("" で消す)')
    p.add_argument("--count", type=int_arg, help="回数・件数 (1〜999)")
    p.add_argument("--coordinator", help="コーディネーター名")
    p.add_argument("--case", help='ケースコード ("" で消す)')
    p.add_argument(
        "--targets", metavar="T,T", help="目標 (番号・id・名前・略称・検索語をカンマ区切り)"
    )
    add_json(p)


_EDIT_FIELDS = (
    ("date", "日付"),
    ("targets", "目標"),
    ("area", "圏域"),
    ("count", "数"),
    ("organisation", "団体"),
    ("case_code", "ケースコード"),
    ("coordinator", "記録者"),
    ("note", "メモ"),
)


def cmd_edit(ctx: Context, args: argparse.Namespace) -> int:
    """Change the given fields of an entry; the others stay. The same rules as `add`."""
    from chofu_tui.errors import UserError
    from chofu_tui.services import entries
    from chofu_tui.services.year_view import short_labels

    given = [
        args.date,
        args.area,
        args.org,
        args.note,
        args.count,
        args.coordinator,
        args.case,
        args.targets,
    ]
    if all(v is None for v in given):
        raise UserError(
            "変更する項目を指定してください (--date --area --org --note --count --coordinator "
            "--case --targets)",
            "nothing to change",
        )
    before = entries.find_entry(args.uuid)
    if before.deleted:
        raise UserError(
            f"記録 {before.uuid} は削除されています。「chofu-tui restore {before.uuid[:8]}」で"
            "戻してから編集してください",
            "the entry is deleted",
        )
    plan = ctx.plan_for_entry(args.date or before.date)
    draft = _edited(args, before, plan)
    cleaned, _ = entries.check_draft(ctx.catalog, draft, today=ctx.today())
    changes = _changes(before, cleaned, short_labels(plan))
    if not changes:
        if args.json:
            print_json({"uuid": before.uuid, "changed": {}, "warnings": []})
        else:
            print(f"変更はありません: {before.uuid}")
        return 0
    saved = entries.update_entry(ctx.catalog, before.uuid, draft, today=ctx.today())
    for w in saved.warnings:
        note(w)
    if args.json:
        print_json(
            {
                "uuid": saved.entry.uuid,
                "changed": {k: {"before": b, "after": a} for k, _, b, a in changes},
                "warnings": list(saved.warnings),
            }
        )
        return 0
    print(f"変更しました: {saved.entry.uuid}")
    for _, name, old, new in changes:
        print(f"  {name}: {old} → {new}")
    return 0


def _edited(args: argparse.Namespace, before: EntryRecord, plan: Plan) -> EntryDraft:
    """The entry as it stands, with the fields given on the command line in place."""
    from dataclasses import replace

    from chofu_tui.services import entries

    draft = entries.EntryDraft(
        targets=before.targets,
        date=before.date,
        area=before.area,
        count=before.count,
        organisation=before.organisation,
        case_code=before.case_code,
        coordinator=before.coordinator,
        note=before.note,
    )
    if args.date is not None:
        draft = replace(draft, date=args.date)
    if args.targets is not None:
        draft = replace(draft, targets=_target_ids(plan, [args.targets]))
    if args.area is not None:
        draft = replace(draft, area=_resolve_area(plan, args.area))
    if args.count is not None:
        draft = replace(draft, count=args.count)
    if args.org is not None:
        draft = replace(draft, organisation=args.org or None)
    if args.case is not None:
        draft = replace(draft, case_code=args.case or None)
    if args.coordinator is not None:
        draft = replace(draft, coordinator=entries.coordinator_name(args.coordinator))
    if args.note is not None:
        draft = replace(draft, note=args.note)
    return draft


def _changes(
    before: EntryRecord, after: EntryDraft, shorts: dict[str, str]
) -> list[tuple[str, str, str, str]]:
    """(field, its name, before, after) of each field the edit changes, shown on one line."""
    from chofu_tui.safetext import one_line

    out = []
    for key, name in _EDIT_FIELDS:
        old, new = getattr(before, key), getattr(after, key)
        if key == "targets":
            if sorted(old) == sorted(new):
                continue
            old = tuple(shorts.get(t, t) for t in old)
            new = tuple(shorts.get(t, t) for t in new)
        if old != new:
            show = [
                "、".join(v) if isinstance(v, tuple) else "(なし)" if v in (None, "") else str(v)
                for v in (old, new)
            ]
            out.append((key, name, one_line(show[0])[:60], one_line(show[1])[:60]))
    return out


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    """Rows stored before today's rules. Exit 0 when none, 2 when some are listed."""
    from chofu_tui.services.checks import find_problems

    problems = find_problems(ctx.catalog)
    if args.json:
        print_json({"problems": [asdict(p) for p in problems], "count": len(problems)})
        return 2 if problems else 0
    if not problems:
        print("今の規則に合わない記録はありません")
        return 0
    from chofu_tui.safetext import one_line
    from chofu_tui.textfmt import table

    body = [[str(p.date or ""), one_line(p.uuid), p.field, one_line(p.reason)] for p in problems]
    print(table(["日付", "uuid", "項目", "理由"], body))
    entries_n = len({p.uuid for p in problems})
    print(
        f"{entries_n} 件の記録に今の規則に合わない点が {len(problems)} 箇所あります。"
        "記録は今のまま集計されます。画面の記録一覧 (l) で e を押して直してください"
    )
    return 2


ADD = Command("add", "活動を記録する", _add_arguments, cmd_add)
LOG = Command("log", "記録の一覧 (新しい順)", _log_arguments, cmd_log, reads_only=always)
EDIT = Command("edit", "記録を直す (指定した項目だけ変わります)", _edit_arguments, cmd_edit)
DELETE = Command("delete", "記録を削除する (復元できます)", _id_argument, cmd_delete)
RESTORE = Command("restore", "削除した記録を戻す", _id_argument, cmd_restore)
CHECK = Command(
    "check", "今の規則に合わない保存済みの記録を一覧する", add_json, cmd_check, reads_only=always
)
