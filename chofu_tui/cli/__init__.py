"""The command line: parses arguments, opens the store, runs a command or the app.

One module per command group (entries, progress, report, evaluation, plan, settings, stores),
each a `Command` (its arguments and what it runs); the parser in Japanese is parser.JaParser.
Exit codes: 0 success, 2 bad input (a UserError), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from chofu_tui import __version__
from chofu_tui.cli import (
    backups,
    conflicts,
    entries,
    evaluation,
    history,
    orgs,
    plan,
    progress,
    purge,
    report,
    security,
    settings,
    stores,
    summary,
    sync,
)
from chofu_tui.cli.parser import Command, JaParser, Run, db_parent
from chofu_tui.errors import WRITE_FAILED_MESSAGE, UserError, storage_error

# In the order `chofu-tui -h` lists them.
ALL: tuple[Command, ...] = (
    progress.TARGETS,
    entries.ADD,
    progress.PROGRESS,
    summary.SUMMARY,
    entries.LOG,
    entries.EDIT,
    entries.DELETE,
    entries.RESTORE,
    stores.MERGE,
    sync.SYNC,
    conflicts.CONFLICTS,
    history.HISTORY,
    orgs.ORGS,
    entries.CHECK,
    stores.BACKUP,
    security.ENCRYPT,
    security.DECRYPT,
    backups.BACKUPS,
    backups.RESTORE_BACKUP,
    purge.PURGE,
    report.REPORT,
    evaluation.EVALUATION,
    plan.PLAN,
    settings.SETTINGS,
)
BY_NAME = {c.name: c for c in ALL}
# What each command runs, looked up when it runs (a test may put another in its place).
COMMANDS: dict[str, Run] = {c.name: c.run for c in ALL}


def build_parser() -> JaParser:
    common = db_parent()
    parser = JaParser(
        prog="chofu-tui",
        description="地域福祉コーディネーターの活動記録と目標の進捗",
        parents=[common],
    )
    parser.add_argument("--demo", action="store_true", help="デモ用の一時データで画面を開く")
    parser.add_argument(
        "--version",
        action="version",
        version=f"chofu-tui バージョン {__version__}",
        help="版を表示して終了する",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=JaParser)
    for command in ALL:
        command.arguments(sub.add_parser(command.name, parents=[common], help=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _ignore_file_size_signal()
    try:
        return _dispatch(args)
    except UserError as exc:
        # a message written for another cause ("cannot open") while the disk was full
        full = storage_error(exc)
        shown = full if full is not None and full.message != WRITE_FAILED_MESSAGE else exc
        print(f"エラー: {shown}", file=sys.stderr)
        return shown.exit_code
    except BrokenPipeError:
        # `chofu-tui log | head`: the reader left; not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a message, not a traceback
        if (full := storage_error(exc)) is not None:
            # a full disk or a size limit, however deep SQLite or peewee buried it
            print(f"エラー: {full}", file=sys.stderr)
            return full.exit_code
        if os.environ.get("CHOFU_TUI_DEBUG"):
            raise
        print(
            f"予期しないエラーが発生しました: {type(exc).__name__}: {exc}\n"
            "(CHOFU_TUI_DEBUG=1 を付けて再実行すると詳細が表示されます)",
            file=sys.stderr,
        )
        return 1


def _ignore_file_size_signal() -> None:
    """A file-size limit (ulimit -f) should fail a write with EFBIG, not kill the process."""

    if hasattr(signal, "SIGXFSZ"):
        with contextlib.suppress(ValueError):  # only the main thread may set it
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _backup_at_open(*, writes: bool) -> None:
    """Today's backup before the first write of the day; a failure is said, never fatal."""
    from chofu_tui.cli.common import note
    from chofu_tui.services.backups import at_open

    for warning in at_open(writes=writes):
        note(warning)


def _dispatch(args: argparse.Namespace) -> int:
    from chofu_tui.context import Context, terminal_passphrase
    from chofu_tui.store.location import StoreLocation

    db: str | None = getattr(args, "db", None)
    if args.command is None:
        from chofu_tui.run import run_app

        if db is not None:
            StoreLocation.parse(db)  # a location it cannot read: exit 2 before any screen
        return run_app(db=db, demo=args.demo)  # a file or a server's URL
    command = BY_NAME[args.command]
    if command.files_only and StoreLocation.chosen(db).path is None:
        from chofu_tui.cli.stores import for_files_only

        raise for_files_only(command.name)  # before any connection: a server may be down
    readonly = command.reads_only(args)
    ctx = Context.open(
        db,
        needs_store=command.needs_store,
        readonly=readonly,
        passphrase=terminal_passphrase,  # asked only for an encrypted store
    )
    try:
        if command.needs_store:
            _backup_at_open(writes=not readonly)
        return COMMANDS[command.name](ctx, args)
    finally:
        ctx.close()
