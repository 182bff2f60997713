"""`conflicts [--json]` and `conflicts resolve ID --keep mine|theirs` (issue 13): changes
made on two laptops without seeing each other, listed side by side and settled."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from chofu_tui import safetext
from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import Command, JaParser, add_json, db_parent

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.services.history import ConflictView, Side

KIND_LABELS = {"entry": "記録", "organisation": "団体", "evaluation": "評価・課題"}
SIDE_LABELS = {"mine": "こちら (mine)", "theirs": "取り込んだ側 (theirs)"}


def _arguments(p: JaParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=JaParser)
    resolve = sub.add_parser(
        "resolve", help="競合を解決する (どちらを残すかを選ぶ)", parents=[db_parent()]
    )
    resolve.add_argument("ident", metavar="ID", help="記録の id (先頭 6 文字以上でも可)")
    resolve.add_argument(
        "--keep",
        required=True,
        choices=("mine", "theirs"),
        help="mine: こちら、theirs: 取り込んだ側",
    )
    add_json(resolve)
    add_json(p)


def _side_line(name: str, side: Side) -> str:
    from chofu_tui.services.history import shown_time

    who = safetext.one_line(side.coordinator) or "(記録者なし)"
    return f"  {SIDE_LABELS[name]}: {shown_time(side.at)}  {side.device}  {who}"


def conflict_lines(v: ConflictView) -> list[str]:
    lines = [f"競合 {KIND_LABELS.get(v.kind, v.kind)} {v.record}  {safetext.one_line(v.label)}"]
    lines += [_side_line("mine", v.mine), _side_line("theirs", v.theirs)]
    for f in v.fields:
        lines.append(
            f"    {f.label}: {safetext.one_line(f.old)} (mine) / {safetext.one_line(f.new)} (theirs)"
        )
    lines.append(f"  いま有効: {SIDE_LABELS[v.applies]} — {v.why}")
    return lines


def cmd_conflicts(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import history
    from chofu_tui.store.models import database

    if args.action == "resolve":
        with database.atomic():
            kind, record = history.resolve(args.ident, args.keep)
        if args.json:
            print_json({"kind": kind, "record": record, "kept": args.keep})
        else:
            print(f"競合を解決しました: {record} ({SIDE_LABELS[args.keep]} を残しました)")
        return 0
    views = history.conflict_views()
    if args.json:
        print_json([{**asdict(v), "fields": [asdict(f) for f in v.fields]} for v in views])
        return 0
    if not views:
        print("競合はありません")
        return 0
    for v in views:
        for line in conflict_lines(v):
            print(line)
    print(f"競合 {len(views)} 件 (「chofu-tui conflicts resolve ID --keep mine|theirs」で解決)")
    return 0


CONFLICTS = Command(
    "conflicts",
    "他のパソコンとの競合を一覧・解決する",
    _arguments,
    cmd_conflicts,
    reads_only=lambda args: args.action != "resolve",
)
