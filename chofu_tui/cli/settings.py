"""Who I am and my area: the defaults of `add` and of the app's entry form."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chofu_tui.cli.parser import Command, JaParser

if TYPE_CHECKING:
    from chofu_tui.context import Context


def _settings_arguments(p: JaParser) -> None:
    p.add_argument("--coordinator", help="コーディネーター名")
    p.add_argument("--area", help="圏域の番号または名前")


def _shown_only(args: argparse.Namespace) -> bool:
    return args.coordinator is None and args.area is None


def cmd_settings(ctx: Context, args: argparse.Namespace) -> int:
    from chofu_tui.safetext import one_line
    from chofu_tui.services import entries, settings

    current = ctx.settings()
    if not _shown_only(args):
        area = current.area
        if args.area is not None:
            plan = ctx.plan_for_entry(ctx.today())
            area = entries.resolve_area(plan, args.area)
        name = current.coordinator
        if args.coordinator is not None:  # typed on purpose: a blank name is refused
            name = entries.coordinator_name(args.coordinator)
        settings.save(settings.UserSettings(name, area))
        current = ctx.settings()
    print(f"コーディネーター: {one_line(current.coordinator) or '(未設定)'}")
    print(f"圏域: {current.area if current.area is not None else '(未設定)'}")
    return 0


SETTINGS = Command(
    "settings",
    "自分の名前と圏域 (記録の既定値)",
    _settings_arguments,
    cmd_settings,
    reads_only=_shown_only,
)
