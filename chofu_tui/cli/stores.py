"""Whole stores: merge other laptops' stores into this one, back this one up."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from chofu_tui import safetext
from chofu_tui.cli.common import note, print_json, print_skipped
from chofu_tui.cli.parser import Command, JaParser, add_json, always
from chofu_tui.errors import UserError
from chofu_tui.services import backups

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.services.merge import MergeResult


def _merge_arguments(p: JaParser) -> None:
    p.add_argument("sources", nargs="+", type=Path, metavar="DB")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="規則に合わない記録を除いて取り込み、除いた記録を表示する",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="取り込んだらどうなるかを表示するだけで、書き込まない",
    )
    add_json(p)


def merge_lines(r: MergeResult, label: str | None = None) -> list[str]:
    """A merge's report on one source, as printed (also by sync, with its own `label`)."""
    left_out = f"、取り込まなかった記録 {len(r.skipped)} 件" if r.skipped else ""
    purged = f"、削除済みの年度のため取り込まなかった変更 {r.purged} 件" if r.purged else ""
    lines = [
        f"{label or r.source}: 記録 新規 {r.entries_added} 件、更新 {r.entries_updated} 件、"
        f"変更なし {r.entries_unchanged} 件、削除 {r.entries_deleted} 件、"
        f"競合 {len(r.conflicts)} 件、団体 新規 {r.organisations_added} 件、"
        f"更新 {r.organisations_updated} 件、評価・課題 新規 {r.evaluations_added} 件、"
        f"更新 {r.evaluations_updated} 件{left_out}{purged}"
    ]
    lines += [f"  競合 {safetext.one_line(c.label)}" for c in r.conflicts]
    return lines


def cmd_merge(ctx: Context, args: argparse.Namespace) -> int:

    from chofu_tui.services.merge import merge_stores

    if not args.dry_run:
        backups.before("merge")  # a merge is undone by `restore-backup` of this one
    results = merge_stores(
        args.sources, ctx.catalog, skip_invalid=args.skip_invalid, dry_run=args.dry_run
    )
    for r in results:
        for w in r.warnings:
            note(w)
        print_skipped(str(r.source), r.skipped)
    if args.json:
        print_json(
            [
                {
                    **asdict(r),
                    "source": str(r.source),
                    "warnings": list(r.warnings),
                    "skipped": [asdict(p) for p in r.skipped],
                    "conflicts": [asdict(c) for c in r.conflicts],
                    "dry_run": bool(args.dry_run),
                }
                for r in results
            ]
        )
        return 0
    for r in results:
        for line in merge_lines(r):
            print(line)
    if args.dry_run:
        print("書き込んでいません (--dry-run)")
    return 0


def _backup_arguments(p: JaParser) -> None:
    p.add_argument("dest", type=Path, metavar="FILE")


PG_DUMP_HINT = (
    "PostgreSQL のデータベースは pg_dump でバックアップしてください"
    " (例: pg_dump -Fc -f chofu.dump 'postgresql://ユーザー@ホスト/データベース'。"
    "README「事務所のデータベース (PostgreSQL)」)"
)


def for_files_only(command: str, why: str = "") -> UserError:
    """`command` works on SQLite files only: what to do on a PostgreSQL store (pg_dump), with
    `why` (the command's own explanation) before it. Said by backup, backups, restore-backup,
    encrypt and decrypt."""
    return UserError(
        f"{command} は SQLite のファイルのデータベースのためのコマンドです。{why}{PG_DUMP_HINT}",
        f"{command} is for SQLite files: use pg_dump for PostgreSQL",
    )


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services.backups import backup_store

    if ctx.db_path is None:  # a server's database: it has its own tool
        raise for_files_only("backup")

    print(backup_store(args.dest))
    return 0


MERGE = Command(
    "merge", "他のパソコンのデータベースを取り込む (報告用の統合)", _merge_arguments, cmd_merge
)
BACKUP = Command(
    "backup",
    "データベースの一貫したコピーを作る",
    _backup_arguments,
    cmd_backup,
    reads_only=always,
    files_only=True,
)
