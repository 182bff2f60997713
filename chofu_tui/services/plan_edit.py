"""Editing a year's plan file without a text editor: a target's value, label and short label.

One function for `plan set` and the app's plan editor. The edit goes through tomlkit, which
changes the values in the TOML text and keeps everything else (comments, order, blank lines),
and the result is validated as a plan file is before it is written, atomically, as the user's
plan. A refusal writes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chofu_tui.errors import UserError
from chofu_tui.plan.models import Plan
from chofu_tui.safetext import has_controls, one_line
from chofu_tui.services.year_view import resolve_target

if TYPE_CHECKING:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.plan.loader import PlanCatalog

Field = Literal["target", "label", "short"]
FIELDS: dict[str, Field] = {
    "target": "target",
    "value": "target",
    "目標": "target",
    "目標値": "target",
    "label": "label",
    "名前": "label",
    "short": "short",
    "略称": "short",
}
MAX_VALUE = 999_999_999  # a whole number a plan's target could be; TOML's limit is far above
_ASSIGN = re.compile(
    r"^(?P<who>[^=]+?)(?:\.(?P<field>[A-Za-z]+|目標値?|名前|略称))?=(?P<value>.*)$"
)


@dataclass(frozen=True)
class Change:
    """One field of one target: `target` a whole number; `label`/`short` text (short None:
    removed, the program derives one)."""

    target_id: str
    field: Field
    value: int | str | None


def parse_value(text: str) -> int:
    """A target's value as typed: a whole number ≥ 0 (full-width digits accepted)."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not folded.isascii() or not folded.isdigit():
        raise UserError(
            f"目標値「{one_line(text)[:20]}」は 0 以上の整数で書いてください",
            "a target's value is a whole number >= 0",
        )
    value = int(folded)
    if value > MAX_VALUE:
        raise UserError(
            f"目標値 {value} は大きすぎます ({MAX_VALUE} まで)", "a target's value is too large"
        )
    return value


def _text(field: Field, text: str) -> str | None:
    if has_controls(text):
        raise UserError(
            f"{'名前' if field == 'label' else '略称'}に改行や制御文字は書けません",
            "no control characters in a label",
        )
    value = text.strip()
    if field == "short" and not value:
        return None  # no short label: the program derives one
    return value


def make_change(plan: Plan, target_id: str, field: Field, text: str) -> Change:
    if plan.target(target_id) is None:
        raise UserError(f"目標「{one_line(target_id)[:40]}」は計画にありません", "unknown target")
    value: int | str | None = parse_value(text) if field == "target" else _text(field, text)
    return Change(target_id, field, value)


def parse_assignment(plan: Plan, text: str) -> Change:
    """`TARGET=VALUE`, `TARGET.label=名前` or `TARGET.short=略称`; TARGET by number, id,
    label, short label or alias, as `add` finds it."""
    m = _ASSIGN.match(text)
    if m is None:
        raise UserError(
            f"「{one_line(text)[:40]}」: 目標=値 (例: 啓発=900、awareness.short=啓発) "
            "の形で書いてください",
            "expected TARGET=VALUE",
        )
    who, name = m["who"].strip(), m["field"] or "target"
    field = FIELDS.get(name)
    if field is None:  # `a.b=...` where b is no field: perhaps a target's own word
        who, field = f"{who}.{name}", "target"
    target_id = resolve_target(plan, who)
    return make_change(plan, target_id, field, m["value"])


def _target_tables(doc: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pa in doc.get("program_areas", []):
        for ini in pa.get("initiatives", []):
            for t in ini.get("targets", []):
                found.setdefault(str(t.get("id")), t)
    return found


def edited_text(text: str, changes: list[Change]) -> str:
    """`text` (a plan file) with `changes` made, every comment and layout kept."""
    import tomlkit  # here: only an edit needs it
    from tomlkit.exceptions import TOMLKitError

    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise UserError(
            f"計画ファイルの書式が正しくありません: {exc}", "plan file is not valid TOML"
        ) from None
    tables = _target_tables(doc)
    for change in changes:
        table = tables.get(change.target_id)
        if table is None:
            raise UserError(f"目標「{change.target_id}」は計画にありません", "unknown target")
        if change.value is None:
            if change.field in table:
                del table[change.field]
        else:
            table[change.field] = change.value
    return tomlkit.dumps(doc)


def apply_changes(catalog: PlanCatalog, fy: FiscalYear, changes: list[Change]) -> Path:
    """Make `changes` in the user's plan for `fy` (copied from the bundled plan first, as
    `plan new` does, when there is only that) and write it, validated, atomically."""
    text = catalog.editable_text(fy)
    new = edited_text(text, changes)
    if new == text and catalog.get(fy).path == catalog.user_path(fy):
        return catalog.user_path(fy)  # nothing changed: the file is left as it is
    return catalog.write_user_text(fy, new)


def set_targets(catalog: PlanCatalog, fy: FiscalYear, assignments: list[str]) -> list[Change]:
    """`plan set`: every assignment parsed against the year's plan first, then all written at
    once (one bad word: nothing written)."""
    plan = catalog.get(fy).plan
    changes = [parse_assignment(plan, a) for a in assignments]
    apply_changes(catalog, fy, changes)
    return changes


def describe(plan: Plan, change: Change) -> str:
    """One line saying what a change does, in the plan's words (before the change)."""
    t = plan.target(change.target_id)
    label = one_line(t.label) if t else change.target_id
    if change.field == "target":
        before = t.target if t else "?"
        unit = one_line(t.unit) if t else ""
        return f"{label}: 目標 {before} → {change.value} {unit}".rstrip()
    if change.field == "label":
        return f"{label}: 名前 → {change.value}"
    return f"{label}: 略称 → {change.value if change.value is not None else '(自動)'}"
