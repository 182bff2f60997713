"""The parser (Japanese help and errors, values that begin with `-`), the argument types
every command shares, and the shape of a command."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear, parse_date

if TYPE_CHECKING:
    from chofu_tui.context import Context

# argparse's own error words, as the user reads them
_ERRORS_JA = {
    "the following arguments are required": "次の引数が必要です",
    "unrecognized arguments": "知らない引数です",
    "invalid choice": "選べない値です",
    "expected one argument": "値が一つ必要です",
    "invalid int value": "整数ではありません",
    "argument ": "引数 ",
}
USAGE = "使い方: "


class JaParser(argparse.ArgumentParser):
    """argparse in Japanese, for this parser only: usage, group titles, our own -h, errors
    (exit 2 with the English beside), and `--note -x` read as a value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        own_help = kwargs.get("add_help", True)
        kwargs["add_help"] = False  # ours is added below, with a Japanese description
        parents: Sequence[argparse.ArgumentParser] = kwargs.pop("parents", ())
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        # a parent's options join ours under the same (now Japanese) titles, as argparse does
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)
        if own_help:  # a Japanese -h (a parent parser such as the --db one has none)
            self.add_argument("-h", "--help", action="help", help="このヘルプを表示して終了する")

    def format_usage(self) -> str:
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, USAGE)
        return formatter.format_help()

    def format_help(self) -> str:
        # argparse's own, with our usage prefix (group titles were set in __init__)
        formatter = self._get_formatter()
        formatter.add_usage(self.usage, self._actions, self._mutually_exclusive_groups, USAGE)
        formatter.add_text(self.description)
        for group in self._action_groups:
            formatter.start_section(group.title)
            formatter.add_text(group.description)
            formatter.add_arguments(group._group_actions)
            formatter.end_section()
        formatter.add_text(self.epilog)
        return formatter.format_help()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        argv = join_dash_values(self, list(sys.argv[1:] if args is None else args))
        return super().parse_known_args(argv, namespace)

    def error(self, message: str) -> NoReturn:
        ja = message
        for en, jp in _ERRORS_JA.items():
            ja = ja.replace(en, jp)
        self.print_usage(sys.stderr)
        ja = ja.replace("choose from", "次から選んでください:")
        english = f" ({message})" if message.isascii() else ""
        self.exit(2, f"エラー: {ja}{english}\n")


def _options(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """(options that take one value, every option string) of `parser` and its subcommands."""
    takes_value: set[str] = set()
    every: set[str] = set()
    for action in parser._actions:
        every.update(action.option_strings)
        if action.option_strings and action.nargs in (None, 1):
            takes_value.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                more_value, more = _options(sub)
                takes_value |= more_value
                every |= more
    return takes_value, every


def join_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`--note "-参加者12名"` -> `--note=-参加者12名`: argparse reads a value that begins with
    `-` as an option. A value that is itself one of our options (`--org --json`: the value
    was forgotten) is left for argparse to refuse."""
    takes_value, every = _options(parser)
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            out += argv[i:]
            break
        following = argv[i + 1] if i + 1 < len(argv) else None
        if (
            token in takes_value
            and following is not None
            and following.startswith("-")
            and following.split("=", 1)[0] not in every
            and following != "--"
        ):
            out.append(f"{token}={following}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


# --- argument types: a wrong value is argparse's error (usage, exit 2) ----------------------


def fy_arg(text: str) -> FiscalYear:
    try:
        return FiscalYear.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def date_arg(text: str) -> dt.date:
    from chofu_tui.context import _today  # "today" as the commands see it (CHOFU_TUI_TODAY)

    try:
        return parse_date(text, today=_today())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def int_arg(text: str) -> int:
    """A count: ASCII or full-width digits only (not `1_000`, not Arabic-Indic digits)."""
    from chofu_tui.services.entries import parse_count

    try:
        return parse_count(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def db_parent() -> JaParser:
    """--db, accepted before and after a command's name (the later one wins). The text is
    read by store.location (a path or a URL), so a bad one is the same error as in
    CHOFU_TUI_DB."""
    common = JaParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="DB",
        help="データベースのパスまたは URL (sqlite:///…、postgresql://… 。既定: データディレクトリ、環境変数 CHOFU_TUI_DB)",
    )
    return common


FY_HELP = "年度 (2024, R6, 令和6)"


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON で出力する")


# --- a command ------------------------------------------------------------------------------

Run = Callable[["Context", argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name and help, its own arguments, and what it runs."""

    name: str
    help: str
    arguments: Callable[[JaParser], None]
    run: Run
    # the store opened without any write or write lock: works while another program writes
    # and on a store it may not write to
    reads_only: Callable[[argparse.Namespace], bool] = lambda args: False
    needs_store: bool = True
    # about a SQLite file (a copy of it): on a PostgreSQL store it says so before connecting
    files_only: bool = False


def always(args: argparse.Namespace) -> bool:
    return True
