"""The change log read by people: `history ID` (issue 14) and `conflicts` (issue 13)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from chofu_tui import safetext
from chofu_tui.cli.common import print_json
from chofu_tui.cli.parser import Command, JaParser, add_json, always

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _history_arguments(p: JaParser) -> None:
    p.add_argument(
        "ident",
        metavar="ID",
        help="記録の id (先頭 6 文字以上でも可) または団体の名前か id",
    )
    add_json(p)


def cmd_history(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.services import history

    found = history.history_of(args.ident)
    if args.json:
        print_json(
            {
                "kind": found.kind,
                "record": found.record,
                "steps": [
                    {**asdict(s), "what": s.headline, "fields": [asdict(f) for f in s.fields]}
                    for s in found.steps
                ],
            }
        )
        return 0
    print(safetext.one_line(found.title))
    for step in found.steps:
        for line in history.step_lines(step):
            print(line)
    return 0


HISTORY = Command(
    "history",
    "記録 (または団体) の変更の履歴を表示する",
    _history_arguments,
    cmd_history,
    reads_only=always,
)
