"""評価・課題 from the command line: read a year's texts, write or clear one initiative's."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.common import chosen_year, print_json
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, add_json, fy_arg
from chofu_tui.errors import UserError

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.plan import Initiative, Plan


def _arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    p.add_argument("--initiative", metavar="ID", help="取組の id (例: a1。targets --json で確認)")
    write = p.add_mutually_exclusive_group()
    write.add_argument("--set", metavar="TEXT", help="評価・課題を書く (2,000文字まで。改行可)")
    write.add_argument("--clear", action="store_true", help="評価・課題を消す")
    add_json(p)


def _reads_only(args: argparse.Namespace) -> bool:
    return args.set is None and not args.clear


def _initiative(plan: Plan, initiative_id: str) -> Initiative:
    found = [ini for pa in plan.program_areas for ini in pa.initiatives if ini.id == initiative_id]
    if not found:
        ids = "、".join(ini.id for pa in plan.program_areas for ini in pa.initiatives)
        raise UserError(
            f"{plan.fy.label}の計画に取組 {initiative_id!r} がありません (取組: {ids})",
            "unknown initiative",
        )
    return found[0]


def cmd_evaluation(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.safetext import one_line, strip_controls
    from chofu_tui.services import evaluations

    fy = chosen_year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    if not _reads_only(args) and args.initiative is None:
        raise UserError(
            "--set と --clear には --initiative (取組の id) が必要です", "--initiative is required"
        )
    chosen = (
        [_initiative(plan, args.initiative)]
        if args.initiative is not None
        else [ini for pa in plan.program_areas for ini in pa.initiatives]
    )
    done = ""
    if not _reads_only(args):
        stored = evaluations.save(fy, chosen[0].id, "" if args.clear else args.set)
        done = "保存しました" if stored else "消去しました"
    texts = evaluations.all_for(fy)
    rows = [
        {
            "initiative_id": ini.id,
            "heading": str(ini.heading),
            "title": str(ini.title),
            "text": texts.get(ini.id, ""),
        }
        for ini in chosen
    ]
    if args.json:
        print_json({"fiscal_year": fy.year, "label": fy.label, "evaluations": rows})
        return 0
    if done:
        print(f"{fy.label} {chosen[0].id} の評価・課題を{done}")
    else:
        print(f"{fy.label} 評価・課題")
    for row in rows:
        print(f"◆ {row['initiative_id']} {one_line(row['heading'])} {one_line(row['title'])}")
        # stored text is already clean; cleaned again for a terminal all the same
        lines = strip_controls(row["text"], multiline=True).split("\n") if row["text"] else []
        for line in lines or ["(未記入)"]:
            print(f"  {line}")
    return 0


EVALUATION = Command(
    "evaluation",
    "取組ごとの評価・課題 (実績報告に載る文章) を表示・記入する",
    _arguments,
    cmd_evaluation,
    reads_only=_reads_only,
)
