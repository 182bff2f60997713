"""The program's own backups: list them, put one back."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import Command, JaParser, add_json, always
from chofu_tui.cli.stores import for_files_only
from chofu_tui.safetext import one_line
from chofu_tui.textfmt import table

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def cmd_backups(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services.backups import listing
    from chofu_tui.store.backups import folder_for

    if ctx.db_path is None:  # a server's database: pg_dump is its backup
        raise for_files_only("backups", "このプログラムの自動バックアップはファイルの分だけです。")
    found = listing(ctx.db_path)
    if args.json:
        print_json([b.as_json() for b in found])
        return 0
    print(f"バックアップの場所: {folder_for(ctx.db_path)}")
    if not found:
        print("バックアップはまだありません (その日の最初の保存のときに作られます)")
        return 0
    rows = [
        [
            b.when.replace("T", " ")[:16],
            b.why_label,
            _count(b.entries),
            "正常" if b.integrity == "ok" else one_line(b.integrity)[:40],
            "あり" if b.encrypted else "なし",
            _size(b.size),
            b.name,
        ]
        for b in found
    ]
    print(table(["日時", "理由", "記録", "検査", "暗号化", "大きさ", "名前"], rows, "llrllrl"))
    print("戻すには: chofu-tui restore-backup 名前")
    return 0


def _restore_arguments(p: JaParser) -> None:
    p.add_argument("name", metavar="NAME", help="`backups` が表示する名前")


def cmd_restore_backup(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.cli import _backup_at_open
    from chofu_tui.context import terminal_passphrase
    from chofu_tui.services.backups import restore
    from chofu_tui.store import cipher

    if ctx.db_path is None:  # refused before a server is ever asked (needs_store=False)
        raise for_files_only("restore-backup")
    ctx._open(False, terminal_passphrase)
    _backup_at_open(writes=True)
    # an encrypted backup the store's key does not open: its passphrase asked the same way
    with cipher.passphrase_from(terminal_passphrase):
        done = restore(args.name)
    b = done.restored
    print(
        f"バックアップ {b.name} ({b.when.replace('T', ' ')}、{b.why_label}) を検査し、"
        f"データベースに戻しました: 記録 {done.entries:,} 件"
    )
    if done.kept is not None:
        print(f"戻す前のデータベースはバックアップ {done.kept.name} として残しました")
    print("このデータベースには新しい端末 ID が付きます (元のデータベースと区別するため)")
    return 0


BACKUPS = Command(
    "backups",
    "自動バックアップの一覧 (日時・理由・記録数・検査結果・暗号化)",
    add_json,
    cmd_backups,
    reads_only=always,
    needs_store=False,  # listed even when the store cannot be opened
)
RESTORE_BACKUP = Command(
    "restore-backup",
    "自動バックアップからデータベースを戻す (今の状態もバックアップに残す)",
    _restore_arguments,
    cmd_restore_backup,
    needs_store=False,  # opened by the command: a server's store is refused before connecting
)
