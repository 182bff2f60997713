"""What the commands share once parsed: JSON on stdout, notes on stderr, the year to show."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chofu_tui.fiscal import FiscalYear

if TYPE_CHECKING:
    from chofu_tui.context import Context

# json.dumps escapes C0 controls but, with ensure_ascii=False, writes DEL, C1 controls (U+009B
# is a terminal's CSI) and bidi overrides as they are: escape them too (still the same JSON).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def print_json(obj: object) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    print(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def note(text: str) -> None:
    """A remark beside the output (stderr), which a script reading stdout never sees."""
    print(f"注意: {text}", file=sys.stderr)


SKIPPED_SHOWN = 20  # rows left out by --skip-invalid named on the terminal (--json has all)


def print_skipped(where: str, skipped: Sequence[Any]) -> None:
    """The rows a --skip-invalid merge or sync left out, on stderr: the first few, then how
    many more (thousands of lines would hide everything else)."""
    from chofu_tui import safetext

    if not skipped:
        return
    note(f"{where}: 規則に合わない {len(skipped)} 件を取り込みませんでした")
    for p in skipped[:SKIPPED_SHOWN]:
        print(
            f"  {safetext.one_line(p.uuid)}  {p.field}: {safetext.one_line(p.reason)}",
            file=sys.stderr,
        )
    if len(skipped) > SKIPPED_SHOWN:
        print(f"  ほか {len(skipped) - SKIPPED_SHOWN} 件 (全件は --json で)", file=sys.stderr)


def chosen_year(ctx: Context, fy: FiscalYear | None) -> FiscalYear:
    """--fy, else today's year when it has a plan, else the latest plan's (said so)."""
    if fy is not None:
        return fy
    chosen, why = ctx.catalog.choose(ctx.today())
    if why:
        note(why)
    return chosen
