"""The year's targets, and progress against them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.common import chosen_year, print_json
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, add_json, always, date_arg, fy_arg

if TYPE_CHECKING:
    import datetime as dt

    from chofu_tui.context import Context
    from chofu_tui.plan import Plan


def _targets_arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    add_json(p)


def cmd_targets(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services.progress import figure_unit

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
            "shown_unit": figure_unit(t),
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
            f"{r['target']} {r['shown_unit']}",
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
    p.add_argument(
        "--by",
        choices=["month", "area", "coordinator"],
        help="月別・圏域別・コーディネーター別の実績 (報告の各表と同じ数字)",
    )
    add_json(p)


def cmd_progress(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import entries
    from chofu_tui.services.clock import as_of_for
    from chofu_tui.services.progress import figure_unit, progress_for
    from chofu_tui.textfmt import table

    fy = chosen_year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    # A past year is seen as of its last day, not as of a day long after it.
    as_of = args.as_of or as_of_for(fy, ctx.today())
    area = entries.resolve_area(plan, args.area) if args.area else None
    if args.by:
        return _print_breakdown(args, plan, as_of, area)
    prog = progress_for(plan, as_of, area=area, coordinator=args.coordinator)
    scoped = area is not None or bool(args.coordinator)
    rows = [
        {
            "id": tp.target.id,
            "label": tp.target.label,
            "program_area": tp.program_area.title,
            "unit": tp.target.unit,
            "kind": tp.target.kind.value,
            # the city's figure; `share` (scoped only) is this area's / coordinator's part
            "target": tp.target.target if scoped else tp.goal,
            **({"share": tp.goal} if scoped else {}),
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
    scope = []
    if area is not None:
        scope.append(f"圏域 {area} {plan.area(area).name}")  # type: ignore[union-attr]
    if args.coordinator:
        scope.append(f"コーディネーター {args.coordinator}")
    print(f"{fy.label} 進捗 (基準日 {as_of.isoformat()}){' ' + ' / '.join(scope) if scope else ''}")
    body = [
        [
            tp.target.id,
            f"{tp.actual} / {tp.goal} {figure_unit(tp.target)}",
            f"{tp.ratio:.0%}",
            # whole numbers on screen (40.3 回 is no count anyone makes); JSON keeps the tenth
            f"{tp.expected_by_as_of:.0f}",
            f"{tp.projected:.0f}",
            tp.status.label,
        ]
        for tp in prog.targets
    ]
    goal_head = "実績 / 担当分" if scoped else "実績 / 目標"
    print(table(["id", goal_head, "達成率", "目安", "見込み", "状況"], body, align="lrrrrl"))
    return 0


def _print_breakdown(args: argparse.Namespace, plan: Plan, as_of: dt.date, area: int | None) -> int:
    """The report's monthly / area / coordinator view, from the same engine."""
    from chofu_tui.services.progress import breakdown
    from chofu_tui.textfmt import table

    fy = plan.fy
    bd = breakdown(plan, as_of, args.by, area=area, coordinator=args.coordinator)
    if args.json:
        print_json(
            {
                "fiscal_year": fy.year,
                "label": fy.label,
                "as_of": as_of.isoformat(),
                "by": bd.by,
                "columns": list(bd.columns),
                "targets": [
                    {
                        "id": r.target.id,
                        "label": r.target.label,
                        "unit": r.unit,
                        "target": r.goal,
                        "actual": r.actual,
                        "values": list(r.values),
                    }
                    for r in bd.rows
                ],
            }
        )
        return 0
    print(f"{fy.label} 実績 {args.by} (基準日 {as_of.isoformat()})")
    body = [[r.target.id, *map(str, r.values), f"{r.actual}{r.unit}"] for r in bd.rows]
    heads = ["id", *bd.columns, "実績"]
    print(table(heads, body, align="l" + "r" * (len(heads) - 1)))
    return 0


TARGETS = Command("targets", "目標の一覧", _targets_arguments, cmd_targets, needs_store=False)
PROGRESS = Command(
    "progress", "目標に対する進捗", _progress_arguments, cmd_progress, reads_only=always
)
