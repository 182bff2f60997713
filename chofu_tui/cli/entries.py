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


def _add_arguments(p: JaParser) -> None:
    p.add_argument(
        "target_ids", nargs="+", metavar="TARGET_ID", help="目標 id (複数可。`targets` で一覧)"
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
        targets=tuple(args.target_ids),
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
    if args.json:
        print_json({"uuid": saved.entry.uuid, "warnings": warnings})
    else:
        print(saved.entry.uuid)
    return 0


def _log_arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    p.add_argument("--deleted", action="store_true", help="削除した記録も含める")
    add_json(p)


def cmd_log(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    fy = args.fy or FiscalYear.of(ctx.today())  # the log needs no plan: today's year
    rows = entries.list_entries(fy.year, include_deleted=args.deleted)
    if args.json:
        print_json(
            {
                "fiscal_year": fy.year,
                "label": fy.label,
                "entries": [
                    {**asdict(e), "date": e.date.isoformat(), "targets": list(e.targets)}
                    for e in rows
                ],
            }
        )
        return 0
    from chofu_tui.safetext import one_line
    from chofu_tui.textfmt import table

    print(f"{fy.label} の記録 {len(rows)} 件")
    # one_line: rows stored before today's rules (or merged in) may carry escape codes
    body = [
        [
            e.date.isoformat(),
            one_line(",".join(e.targets)),
            str(e.area),
            str(e.count),
            one_line(e.organisation or "") + (" [削除]" if e.deleted else ""),
            one_line(e.uuid),
        ]
        for e in rows
    ]
    print(table(["日付", "目標", "圏域", "数", "団体", "uuid"], body, align="llrrll"))
    return 0


def _uuid_argument(p: JaParser) -> None:
    p.add_argument("uuid")


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(args.uuid, True)
    print(f"削除しました: {record.uuid} (「chofu-tui restore {record.uuid}」で戻せます)")
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries

    record = entries.set_deleted(args.uuid, False)
    print(f"戻しました: {record.uuid}")
    return 0


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
DELETE = Command("delete", "記録を削除する (復元できます)", _uuid_argument, cmd_delete)
RESTORE = Command("restore", "削除した記録を戻す", _uuid_argument, cmd_restore)
CHECK = Command(
    "check", "今の規則に合わない保存済みの記録を一覧する", add_json, cmd_check, reads_only=always
)
