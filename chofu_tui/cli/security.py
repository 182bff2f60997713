"""Encryption at rest (issue 14): `encrypt` and `decrypt` convert the store in place.

Both write a converted copy beside the store, verify it and swap it in (store/cipher.py); the
store is never lost if anything fails. A PostgreSQL store is the server's to protect."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chofu_tui.cli.common import note
from chofu_tui.cli.parser import Command, JaParser
from chofu_tui.cli.stores import for_files_only
from chofu_tui.errors import UserError
from chofu_tui.store.backups import folder_for

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _no_arguments(p: JaParser) -> None:
    pass


def _store_file(args: argparse.Namespace) -> Path:
    from chofu_tui.store.location import StoreLocation

    where = StoreLocation.chosen(getattr(args, "db", None))
    if where.path is None:
        raise for_files_only(
            args.command,
            f"{where.shown} は PostgreSQL のサーバーです。ここでは暗号化しません: サーバーの"
            "ディスク暗号化、TLS 接続、利用者ごとの権限 (サーバーの管理者の設定) で守ってください。",
        )
    if not where.path.is_file():
        raise UserError(f"データベース {where.path} がありません", "no such database")
    return where.path


def _new_passphrase(path: Path) -> str:
    """CHOFU_TUI_PASSPHRASE, else asked twice (masked) on a terminal, else exit 2 at once."""
    from chofu_tui.store import cipher

    env = os.environ.get(cipher.PASSPHRASE_ENV)
    if env:
        return env
    if not sys.stdin.isatty():
        raise UserError(
            f"{path} を暗号化するパスフレーズが必要です。{cipher.HOW_TO_PASS}",
            "passphrase required (set CHOFU_TUI_PASSPHRASE)",
        )
    first = getpass.getpass(f"{path} の新しいパスフレーズ ({cipher.MIN_PASSPHRASE} 文字以上): ")
    cipher.check_passphrase(first)
    if getpass.getpass("もう一度入力してください: ") != first:
        raise UserError(
            "二つのパスフレーズが一致しません。何も変更していません", "passphrases differ"
        )
    return first


def _backup_first(path: Path, reason: str, passphrase: str | None = None) -> None:
    """The program's own backup of the store before it is converted (issue 14): the store is
    opened only for that (an encrypted one with its passphrase, so the copy is encrypted too)
    and closed again before the conversion takes it exclusively."""
    from chofu_tui.services import backups
    from chofu_tui.store import cipher
    from chofu_tui.store.location import open_store

    with cipher.passphrase_from((lambda _path: passphrase) if passphrase is not None else None):
        db = open_store(path, readonly=True)
    try:
        backups.before(reason)
    finally:
        db.close()


def cmd_encrypt(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.store import cipher

    path = _store_file(args)
    if cipher.is_encrypted(path):
        raise UserError(f"{path} は既に暗号化されています。何もしていません", "already encrypted")
    passphrase = _new_passphrase(path)
    _backup_first(path, "encrypt")
    done = cipher.encrypt_file(path, passphrase)
    # No plaintext of a note left in the data folder: the program's earlier backups of this
    # store (the one just made too) are encrypted with the same passphrase.
    for line in cipher.protect_backups(folder_for(path), passphrase):
        note(line)
    print(f"暗号化しました: {path} (記録 {done.entries} 件、すべての表の件数を確認済み)")
    note(
        "パスフレーズを忘れると、このデータは誰にも (開発者にも) 戻せません。"
        "パスフレーズは事務所の決めた方法で控え、事務所にもコピーを置いてください"
    )
    return 0


def cmd_decrypt(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.context import terminal_passphrase
    from chofu_tui.store import cipher

    path = _store_file(args)
    if not cipher.is_encrypted(path):
        raise UserError(f"{path} は暗号化されていません。何もしていません", "not encrypted")
    passphrase = terminal_passphrase(path)
    _backup_first(path, "decrypt", passphrase)  # an encrypted copy, like the store now
    done = cipher.decrypt_file(path, passphrase)
    print(f"暗号化を解除しました: {path} (記録 {done.entries} 件、すべての表の件数を確認済み)")
    note("このファイルは暗号化されていません。パソコンを紛失すると記録を読まれます")
    return 0


ENCRYPT = Command(
    "encrypt",
    "データベースを暗号化する (パスフレーズを2回入力)",
    _no_arguments,
    cmd_encrypt,
    needs_store=False,
)
DECRYPT = Command(
    "decrypt", "データベースの暗号化を解除する", _no_arguments, cmd_decrypt, needs_store=False
)
