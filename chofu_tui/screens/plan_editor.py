"""The plan editor: each target's value, name and short label, saved to the user's plan file.

Opened by `c` (a new year's plan, just created) and by `p` (the year's own plan). The save is
the same service as `plan set` (services/plan_edit.py): validated as a plan file is, written
atomically, comments kept. Esc closes without saving.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from chofu_tui import i18n
from chofu_tui.errors import UserError
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.services.plan_edit import Change, apply_changes, make_change
from chofu_tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.plan.loader import PlanCatalog
    from chofu_tui.plan.models import Plan

TITLE = "{fy}の計画の編集"
HINT = "書き換えて ctrl+s で保存。Tab で次の欄、Esc で保存せずに閉じる"
COLUMNS = ("No.", "目標値", "単位", "名前", "略称 (空欄: 自動)")
SAVED = "{fy}の計画を保存しました: {path}"
UNCHANGED = "変更はありません"
FIELD_NAMES = {"target": "目標値", "label": "名前", "short": "略称"}


class PlanEditorScreen(Seam, ModalScreen[bool]):
    """Dismissed True when the plan was saved (the year is then loaded again)."""

    CSS_PATH = "plan_editor.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+s", "save", i18n.KEY_SAVE, id="plan-editor-save", priority=True),
        Binding("escape", "cancel", i18n.KEY_CANCEL, id="plan-editor-cancel"),
    ]

    def __init__(self, catalog: PlanCatalog, fy: FiscalYear) -> None:
        super().__init__()
        self.catalog = catalog
        self.fy = fy
        self.plan: Plan = catalog.get(fy).plan

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-editor"):
            yield Static(Text(TITLE.format(fy=self.fy.label)), id="plan-editor-title")
            yield Static(Text(HINT), classes="muted")
            with Horizontal(classes="plan-row plan-head"):
                for n, name in enumerate(COLUMNS):
                    yield Static(Text(name), classes=f"col-{n}")
            with VerticalScroll(id="plan-targets"):
                for n, t in enumerate(self.plan.targets(), start=1):
                    with Horizontal(classes="plan-row"):
                        yield Static(Text(f"{n:>2}"), classes="col-0")
                        yield Input(str(t.target), id=f"target-{n}", classes="col-1")
                        yield Static(Text(one_line(t.unit)), classes="col-2")
                        yield Input(one_line(t.label), id=f"label-{n}", classes="col-3")
                        yield Input(one_line(t.short or ""), id=f"short-{n}", classes="col-4")
            yield Static("", id="plan-editor-error", classes="error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#target-1", Input).focus()

    def changes(self) -> list[Change]:
        """What differs from the plan, checked field by field (the first bad one is said)."""
        out = []
        for n, t in enumerate(self.plan.targets(), start=1):
            shown = {"target": str(t.target), "label": one_line(t.label), "short": t.short or ""}
            for field in ("target", "label", "short"):
                typed = self.query_one(f"#{field}-{n}", Input).value
                if typed.strip() == shown[field].strip():
                    continue
                try:
                    out.append(make_change(self.plan, t.id, field, typed))
                except UserError as exc:
                    raise UserError(
                        f"{n} 番の{FIELD_NAMES[field]}: {exc.message}", exc.english
                    ) from None
        return out

    def action_save(self) -> None:
        error = self.query_one("#plan-editor-error", Static)
        try:
            changes = self.changes()
            if not changes:
                self.notify(UNCHANGED)
                self.dismiss(False)
                return
            path: Path = apply_changes(self.catalog, self.fy, changes)
        except UserError as exc:
            error.update(Text(exc.message))
            return
        self.notify(SAVED.format(fy=self.fy.label, path=path))
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
