"""Plan files: make next year's, list them, check one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chofu_tui.cli.parser import Command, JaParser, db_parent, fy_arg
from chofu_tui.errors import UserError

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _plan_arguments(p: JaParser) -> None:
    p.set_defaults(plan_help=p.format_help)  # `plan` alone shows what it can do
    common = db_parent()
    actions = p.add_subparsers(dest="plan_command", metavar="ACTION", parser_class=JaParser)
    q = actions.add_parser("new", parents=[common], help="新しい年度の計画を作る")
    q.add_argument("--fy", type=fy_arg, required=True, help="作る年度 (2026, R8, 令和8)")
    q.add_argument("--from", dest="from_fy", type=fy_arg, help="元にする年度 (既定: 最新)")
    actions.add_parser("list", parents=[common], help="計画の一覧")
    q = actions.add_parser(
        "set",
        parents=[common],
        help="計画の目標値・名前・略称を変える (コメントは残ります)",
        description=(
            "利用者の計画ファイルの目標を書き換えます。目標は番号・id・名前・略称・検索語で指定します。"
            "例: plan set --fy 2025 啓発=900 awareness.short=啓発 5.label=新しい名前"
        ),
    )
    q.add_argument("--fy", type=fy_arg, required=True, help="変える年度 (2026, R8, 令和8)")
    q.add_argument(
        "assignments",
        nargs="+",
        metavar="目標=値",
        help="目標=整数、目標.label=名前、目標.short=略称 (略称を空にすると自動)",
    )
    q = actions.add_parser("check", parents=[common], help="計画ファイルを検証する")
    q.add_argument("path", type=Path, help="計画ファイル (plan-YYYY.toml)")


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    if args.plan_command is None:
        sys.stdout.write(args.plan_help())
        return 0
    if args.plan_command == "new":
        path = ctx.catalog.write_next(args.fy, args.from_fy)
        print(path)
        print(
            f"{args.fy.label}の計画を作成しました。目標値を確認・編集してください。",
            file=sys.stderr,
        )
        return 0
    if args.plan_command == "set":
        from chofu_tui.services.plan_edit import describe, set_targets

        before = ctx.catalog.get(args.fy).plan
        changes = set_targets(ctx.catalog, args.fy, args.assignments)
        for change in changes:
            print(describe(before, change))
        print(ctx.catalog.user_path(args.fy))
        return 0
    if args.plan_command == "check":
        from chofu_tui.plan.loader import check_plan_file

        plan = check_plan_file(args.path)
        print(f"OK: {args.path} ({plan.fy.label}、目標 {len(plan.targets())} 件)")
        return 0
    broken = 0
    for fy in ctx.catalog.years():
        try:
            loaded = ctx.catalog.get(fy)
        except UserError as exc:  # list the others all the same
            print(f"エラー: {exc}", file=sys.stderr)
            broken += 1
            continue
        origin = "同梱" if loaded.bundled else "利用者"
        print(f"{fy.year}\t{fy.label}\t{origin}\t{loaded.path}")
    return 2 if broken else 0


PLAN = Command("plan", "計画ファイル", _plan_arguments, cmd_plan, needs_store=False)
