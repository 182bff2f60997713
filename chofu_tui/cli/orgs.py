"""`orgs list|rename|merge` (issue 13): the organisation registry on the command line.
A rename and a fold are organisation changes: they travel by merge and sync."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from chofu_tui import safetext
from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, add_json, db_parent, fy_arg
from chofu_tui.textfmt import table

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _arguments(p: JaParser) -> None:
    p.set_defaults(all=False, fy=None, json=False)  # `orgs` alone lists
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=JaParser)
    listed = sub.add_parser("list", help="団体の一覧", parents=[db_parent()])
    listed.add_argument("--all", action="store_true", help="統合済みの団体も表示する")
    listed.add_argument("--fy", type=fy_arg, help=f"記録を数える{FY_HELP} (既定: 今年度)")
    add_json(listed)
    rename = sub.add_parser("rename", help="団体の名前を変える", parents=[db_parent()])
    rename.add_argument("old", metavar="OLD", help="今の名前または id")
    rename.add_argument("new", metavar="NEW", help="新しい名前")
    merge = sub.add_parser(
        "merge", help="団体 FROM を INTO に統合する (同じ団体の別名)", parents=[db_parent()]
    )
    merge.add_argument("source", metavar="FROM", help="統合される団体の名前または id")
    merge.add_argument("into", metavar="INTO", help="残す団体の名前または id")


def cmd_orgs(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.services import organisations

    if args.action == "rename":
        org = organisations.find_by_ident(args.old)
        organisations.rename(org.id, args.new)
        print(
            f"名前を変えました: {safetext.one_line(org.name)} → "
            f"{organisations.display_name(args.new)}"
        )
        return 0
    if args.action == "merge":
        gone = organisations.find_by_ident(args.source)
        keep = organisations.find_by_ident(args.into)
        moved = organisations.merge(keep.id, gone.id)
        print(
            f"統合しました: {safetext.one_line(gone.name)} → {safetext.one_line(keep.name)}"
            f" (記録 {moved} 件)"
        )
        return 0
    fy = args.fy or FiscalYear.of(ctx.today())
    rows = organisations.listing(fy.year, include_merged=args.all)
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    body = [
        [
            safetext.one_line(r.name),
            r.uuid,
            str(r.entries),
            f"→ {safetext.one_line(r.merged_into_name or '')}" if r.merged_into else "",
        ]
        for r in rows
    ]
    print(table(["団体", "id", f"{fy.label}の記録", "統合先"], body, align="llrl"))
    return 0


ORGS = Command(
    "orgs",
    "団体の一覧・名前の変更・統合",
    _arguments,
    cmd_orgs,
    reads_only=lambda args: args.action in (None, "list"),
)
