"""`purge --before-fy Y [--yes] [--json]` (issue 14): retention. Shows what would go, asks
on a terminal, and needs --yes without one (a script never hangs on a question)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, add_json, fy_arg
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.textfmt import table

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.services.purge import PurgePlan


def _arguments(p: JaParser) -> None:
    p.add_argument(
        "--before-fy",
        dest="before_fy",
        type=fy_arg,
        help=f"この{FY_HELP}より前の記録と履歴を削除する (既定: 保存期間より前)",
    )
    p.add_argument(
        "--set-retention",
        dest="set_retention",
        type=int,
        metavar="N",
        help="保存期間を今年度を含めて N 年度にする (0: すべて保存 = 既定)。削除はしない",
    )
    p.add_argument("--yes", action="store_true", help="確認せずに削除する (端末がないときは必須)")
    add_json(p)


def _plan_lines(plan: PurgePlan) -> list[str]:
    before = FiscalYear(plan.before_fy)
    if not plan.years:
        return [f"{before.label}より前の記録はありません"]
    body = [
        [
            FiscalYear(y.fiscal_year).label,
            str(y.entries_live),
            str(y.entries_deleted),
            str(y.evaluations),
            str(y.history),
        ]
        for y in plan.years
    ]
    return [
        f"{before.label}より前の次のデータを削除します (団体は残ります):",
        table(["年度", "記録", "削除済みの記録", "評価・課題", "履歴"], body, align="lrrrr"),
        f"合計: 記録 {plan.entries} 件、評価・課題 {plan.evaluations} 件、履歴 {plan.history} 件",
    ]


def _confirmed() -> bool:
    try:
        answer = input("削除すると元に戻せません。削除しますか? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def on_terminal() -> bool:
    """A person can answer the question (both ends are a terminal)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _set_retention(years: int, today_fy: int) -> int:
    from chofu_tui.services import purge

    purge.set_retention(years)
    first = purge.before_fy_by_retention(today_fy)
    if first is None:
        print("保存期間: すべて保存 (purge は --before-fy を指定したときだけ削除します)")
    else:
        print(
            f"保存期間: {years} 年度 (今なら{FiscalYear(first).label}より前が"
            "「chofu-tui purge」で削除の対象になります。まだ何も削除していません)"
        )
    return 0


def _before_fy(given: FiscalYear | None, today_fy: int) -> FiscalYear:
    """--before-fy, else what the retention allows; never this fiscal year or later (a
    watermark there would keep every later merge out)."""
    from chofu_tui.services import purge

    if given is None:
        first = purge.before_fy_by_retention(today_fy)
        if first is None:
            raise UserError(
                "保存期間が決められていません (既定: すべて保存)。削除する年度を --before-fy で"
                "指定するか、--set-retention N で保存する年数を決めてください",
                "no retention set: keep all",
            )
        given = FiscalYear(first)
    if given.year > today_fy:
        raise UserError(
            f"{given.label}より前を削除すると、今年度 ({FiscalYear(today_fy).label}) の"
            "記録まで消え、今後の取り込みでも戻らなくなります。削除できるのは今年度より前の"
            f"年度だけです (--before-fy {today_fy} まで)。何も削除していません",
            "cannot purge the current fiscal year or later",
        )
    return given


def cmd_purge(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import purge

    today_fy = FiscalYear.of(ctx.today()).year
    if args.set_retention is not None:
        return _set_retention(args.set_retention, today_fy)
    before = _before_fy(args.before_fy, today_fy)
    args.before_fy = before
    if not args.yes and not on_terminal():
        raise UserError(
            "端末がないため確認できません。削除してよければ --yes を付けてください",
            "no terminal to confirm: pass --yes",
        )
    shown = purge.plan(args.before_fy.year)
    if not args.json:
        for line in _plan_lines(shown):
            print(line)
    if not shown.years and shown.watermark_before == shown.watermark_after:
        if args.json:
            print_json({**asdict(shown), "purged": False})
        return 0  # nothing here, and merges already drop those years
    if not args.json:
        print(
            f"今後の取り込み (merge・sync) でも{FiscalYear(shown.watermark_after).label}"
            "より前の記録は取り込みません"
        )
    # raising the watermark alone also changes what merges keep: asked as well
    if not args.yes and not _confirmed():
        print("削除しませんでした")
        return 0
    done = purge.purge(args.before_fy.year)
    if args.json:
        print_json({**asdict(done), "purged": True})
        return 0
    print(
        f"削除しました。{FiscalYear(done.watermark_after).label}より前の記録は、"
        "今後の取り込み (merge・sync) でも戻りません"
    )
    return 0


PURGE = Command(
    "purge",
    "古い年度の記録と履歴を削除する (保存期間)",
    _arguments,
    cmd_purge,
)
