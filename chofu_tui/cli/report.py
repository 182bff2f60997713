"""The report for the city: Markdown on screen, or an xlsx/CSV/Markdown file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chofu_tui.cli.common import chosen_year, note
from chofu_tui.cli.parser import FY_HELP, Command, JaParser, always, date_arg, fy_arg
from chofu_tui.errors import UserError

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _report_arguments(p: JaParser) -> None:
    p.add_argument("--fy", type=fy_arg, help=FY_HELP)
    p.add_argument("--as-of", type=date_arg, help="基準日 (既定: 今日、年度末まで)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="形式 (既定: -o のファイル名の拡張子から。なければ md)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="出力ファイル (md の既定は画面。xlsx・csv の既定は現在のフォルダーの空いている名前)",
    )
    p.add_argument("--force", action="store_true", help="-o のファイルが既にあれば置き換える")
    p.add_argument(
        "--view",
        choices=["annual", "monthly", "area", "coordinator", "notes"],
        default="annual",
        help="CSV・Markdown の表 (既定: annual)",
    )
    p.add_argument("--subsidy-only", action="store_true", help="※ 補助対象の取組だけ")
    p.add_argument(
        "--include-cases",
        action="store_true",
        help="ケースコードを含める (個人情報: 「取扱注意」と印刷します)",
    )
    p.add_argument(
        "--include-notes",
        action="store_true",
        help="記録の自由記述 (記録シート、--view notes) を含める (個人情報: 「取扱注意」と印刷します)",
    )


FORMATS = ("xlsx", "pdf", "csv", "md")


def chosen_format(given: str | None, output: Path | None) -> str:
    """--format, else the output's extension, else md (save_report refuses a name whose
    extension promises another format)."""
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    return given or (suffix if suffix in FORMATS else "md")


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services.report import build_report, report_as_of
    from chofu_tui.services.report.save import save_report

    args.format = chosen_format(args.format, args.output)
    if args.view == "notes" and not args.include_notes:
        raise UserError(
            "--view notes は記録の自由記述 (個人情報を含むことがあります) を出力します。"
            "出力するときは --include-notes を付けてください",
            "--view notes needs --include-notes (the notes may hold personal information)",
        )
    fy = chosen_year(ctx, args.fy)
    plan = ctx.catalog.get(fy).plan
    as_of = args.as_of or report_as_of(fy, ctx.today())
    report = build_report(
        plan,
        as_of,
        subsidy_only=args.subsidy_only,
        include_cases=args.include_cases,
        include_notes=args.include_notes,  # the notes are not even read unless printed
    )
    if report.empty_message:
        note(report.empty_message)
    if args.format == "md" and args.output is None:
        from chofu_tui.services.report.text import render_markdown

        sys.stdout.write(render_markdown(report, args.view))
        return 0
    if args.force and args.output is None:
        note("--force は -o と一緒に使います (既定の名前は置き換えません)")
    path, defaulted = save_report(
        report, args.format, args.view, args.output, force=args.force, store=ctx.db_path
    )
    where = " (-o の指定がないので現在のフォルダーに作成)" if defaulted else ""
    print(f"{report.fy.label}の報告を書き出しました: {path}{where}", file=sys.stderr)
    print(path)
    return 0


REPORT = Command(
    "report",
    "実績報告 (Excel・PDF・CSV・Markdown)",
    _report_arguments,
    cmd_report,
    reads_only=always,
)
