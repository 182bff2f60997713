"""`sync TARGET [--skip-invalid] [--dry-run] [--json]` (issue 13): two-way with the office
database (postgresql://…) or another store file; prints what each side got, in merge's words."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from chofu_tui.cli.common import print_json, print_skipped
from chofu_tui.cli.parser import Command, JaParser, add_json

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.services.changes import ApplyReport


def _arguments(p: JaParser) -> None:
    p.add_argument(
        "target", metavar="TARGET", help="同期先: postgresql://… またはデータベースのファイル"
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="規則に合わない記録を除いて同期し、除いた記録を表示する",
    )
    p.add_argument("--dry-run", action="store_true", help="同期したらどうなるかを表示するだけ")
    add_json(p)


def report_lines(label: str, got: ApplyReport) -> list[str]:
    """One side's report, worded as merge's (`{label}: 記録 新規 …`)."""
    from chofu_tui.cli.stores import merge_lines
    from chofu_tui.services.merge import MergeResult

    return merge_lines(MergeResult.of(Path(), got), label)


def _report_json(got: ApplyReport) -> dict[str, object]:
    return {
        **asdict(got),
        "skipped": [asdict(p) for p in got.skipped],
        "conflicts": [asdict(c) for c in got.conflicts],
    }


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui import safetext
    from chofu_tui.services import backups
    from chofu_tui.services.sync import sync

    if not args.dry_run:
        backups.before("sync")  # a sync is undone here by `restore-backup` of this one
    result = sync(args.target, ctx.catalog, skip_invalid=args.skip_invalid, dry_run=args.dry_run)
    for side, got in (("このパソコン", result.got_here), ("同期先", result.got_there)):
        print_skipped(side, got.skipped)
    if args.json:
        print_json(
            {
                "here": result.here,
                "there": result.there,
                "got_here": _report_json(result.got_here),
                "got_there": _report_json(result.got_there),
                "dry_run": result.dry_run,
            }
        )
        return 0
    for line in report_lines(f"このパソコン ({result.here}) が受け取った変更", result.got_here):
        print(safetext.one_line(line) if not line.startswith("  ") else line)
    for line in report_lines(f"同期先 ({result.there}) が受け取った変更", result.got_there):
        print(safetext.one_line(line) if not line.startswith("  ") else line)
    if args.dry_run:
        print("書き込んでいません (--dry-run)")
    return 0


SYNC = Command(
    "sync",
    "事務所のデータベース (または別のファイル) と双方向に同期する",
    _arguments,
    cmd_sync,
)
