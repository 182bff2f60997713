"""The year's targets, and progress against them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.common import chosen_year, print_json
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, add_json, always, date_arg, fy_arg

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _targets_arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    add_json(p)


def cmd_targets(ctx: Context, args: argparse.Namespace) -> int:
    loaded = ctx.catalog.get(chosen_year(ctx, args.fy))
    plan = loaded.plan
    rows = [
        {
            "id": t.id,
            "label": t.label,
            "program_area": pa.title,
            "initiative": ini.title,
            "heading": ini.heading,
            "unit": t.unit,
            "kind": t.kind.value,
            "target": t.target,
            "subsidy": ini.subsidy,
        }
        for pa in plan.program_areas
        for ini in pa.initiatives
        for t in ini.targets
    ]
    if args.json:
        print_json({"fiscal_year": plan.fiscal_year, "label": plan.fy.label, "targets": rows})
        return 0
    from chofu_tui.textfmt import table

    print(f"{plan.fy.label} の目標 ({loaded.path})")
    body = [
        [
            str(r["id"]),
            f"{r['target']} {'圏域' if r['kind'] == 'per_area' else r['unit']}",
            str(r["kind"]),
            ("※ " if r["subsidy"] else "") + str(r["label"]),
        ]
        for r in rows
    ]
    print(table(["id", "目標", "種類", "内容"], body, align="lrll"))
    return 0


def _progress_arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    p.add_argument("--as-of", type=date_arg, help="基準日 (既定: 今日)")
    p.add_argument("--area", help="圏域で絞り込む")
    p.add_argument("--coordinator", help="コーディネーターで絞り込む")
    add_json(p)


def cmd_progress(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries
    from chofu_tui.services.progress import progress_for

    fy = chosen_year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    # A past year is seen as of its last day, not as of a day long after it.
    as_of = args.as_of or min(ctx.today(), fy.end)
    area = entries.resolve_area(plan, args.area) if args.area else None
    prog = progress_for(plan, as_of, area=area, coordinator=args.coordinator)
    rows = [
        {
            "id": tp.target.id,
            "label": tp.target.label,
            "program_area": tp.program_area.title,
            "unit": tp.target.unit,
            "kind": tp.target.kind.value,
            "target": tp.goal,
            "actual": tp.actual,
            "expected_by_as_of": tp.expected_by_as_of,
            "projected": tp.projected,
            "status": tp.status.value,
            "by_area": {str(a): n for a, n in tp.by_area.items()},
        }
        for tp in prog.targets
    ]
    if args.json:
        print_json(
            {"fiscal_year": fy.year, "label": fy.label, "as_of": as_of.isoformat(), "targets": rows}
        )
        return 0
    from chofu_tui.textfmt import table

    scope = []
    if area is not None:
        scope.append(f"圏域 {area} {plan.area(area).name}")  # type: ignore[union-attr]
    if args.coordinator:
        scope.append(f"コーディネーター {args.coordinator}")
    print(f"{fy.label} 進捗 (基準日 {as_of.isoformat()}){' ' + ' / '.join(scope) if scope else ''}")
    body = [
        [
            tp.target.id,
            f"{tp.actual} / {tp.goal} {tp.target.unit if tp.target.kind.value != 'per_area' else '圏域'}",
            f"{tp.ratio:.0%}",
            f"{tp.expected_by_as_of:g}",
            f"{tp.projected:g}",
            tp.status.label,
        ]
        for tp in prog.targets
    ]
    print(table(["id", "実績 / 目標", "達成率", "目安", "見込み", "状況"], body, align="lrrrrl"))
    return 0


TARGETS = Command("targets", "目標の一覧", _targets_arguments, cmd_targets, needs_store=False)
PROGRESS = Command(
    "progress", "目標に対する進捗", _progress_arguments, cmd_progress, reads_only=always
)
