"""`summary`: what was logged in a week or a month, by target (for the weekly team meeting)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import Command, JaParser, add_json, always, date_arg

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _arguments(p: JaParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--week", action="store_true", help="その週 (月曜〜日曜) の記録")
    which.add_argument("--month", action="store_true", help="その月の記録")
    p.add_argument("--date", type=date_arg, help="この日を含む週・月 (既定: 今日)")
    p.add_argument("--coordinator", help="コーディネーターで絞り込む")
    add_json(p)


def cmd_summary(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.services.summary import summarize
    from chofu_tui.textfmt import table

    day = args.date or ctx.today()
    plan = ctx.catalog.get(FiscalYear.of(day)).plan
    result = summarize(plan, "week" if args.week else "month", day, coordinator=args.coordinator)
    if args.json:
        print_json(
            {
                "period": result.period,
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "coordinator": result.coordinator,
                "entries": result.entries,
                "targets": [
                    {
                        "id": r.target_id,
                        "label": r.label,
                        "unit": r.unit,
                        "entries": r.entries,
                        "count": r.count,
                        "organisations": list(r.organisations),
                    }
                    for r in result.rows
                ],
            }
        )
        return 0
    print(f"{result.title}  記録 {result.entries} 件")
    if not result.rows:
        print("この期間の記録はありません")
        return 0
    body = [
        [r.label, f"{r.count} {r.unit}", f"{r.entries}", "、".join(r.organisations) or "—"]
        for r in result.rows
    ]
    print(table(["目標", "数", "記録", "団体"], body, align="lrrl"))
    return 0


SUMMARY = Command("summary", "週・月にした活動のまとめ", _arguments, cmd_summary, reads_only=always)
