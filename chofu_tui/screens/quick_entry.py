"""Quick entry: a dialog that logs (or edits) one entry and dismisses with what was saved.

The first field picks targets: type a number, part of an id (`aw`) or of a label (`啓発`),
Enter ticks the highlighted one (more than one may be ticked), ctrl+s saves from any field.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from chofu_tui import i18n
from chofu_tui.context import Context
from chofu_tui.errors import UserError
from chofu_tui.fiscal import parse_date
from chofu_tui.plan import Plan, Target
from chofu_tui.services import entries, organisations
from chofu_tui.services.dashboard import match_targets
from chofu_tui.textfmt import fit

SHOWN = 5  # matching targets listed under the filter


class TargetFilter(Input):
    """The target picker's text field; up/down move the highlight in the list below it."""

    BINDINGS = [  # noqa: RUF012
        Binding("down", "screen.move(1)", show=False),
        Binding("up", "screen.move(-1)", show=False),
    ]


class QuickEntryDialog(ModalScreen[entries.Saved | None]):
    CSS_PATH = "quick_entry.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+s", "save", i18n.KEY_SAVE, id="save", priority=True),
        Binding("escape", "cancel", i18n.KEY_CANCEL, id="cancel"),
    ]

    def __init__(
        self,
        ctx: Context,
        plan: Plan,
        *,
        day: dt.date,
        preselect: str | None = None,
        record: entries.EntryRecord | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.plan = plan
        self.day = day
        self.record = record
        self.chosen: list[str] = list(record.targets) if record else []
        if preselect and not self.chosen and (t := plan.target(preselect)) and t.loggable:
            self.chosen.append(preselect)
        self.matches: list[tuple[int, Target]] = []
        self.highlight = 0
        self._moved = False  # the highlight was moved with the arrow keys
        self.saving = False
        self._known_orgs: set[str] = set()
        self._org_names: list[str] = []

    def compose(self) -> ComposeResult:
        title = i18n.ENTRY_EDIT_TITLE if self.record else i18n.ENTRY_TITLE
        with Vertical(id="dialog"):
            yield Static(f"{title} ({self.plan.fy.label})", id="title")
            yield Label(i18n.ENTRY_TARGETS, classes="muted")
            yield TargetFilter(id="target-filter", placeholder="例: aw / 啓発 / 3")
            yield Static(id="target-list")
            yield Static(id="chosen")
            with Horizontal(classes="field"):
                yield Label(i18n.ENTRY_DATE)
                yield Input(id="date", max_length=10)
                yield Label(i18n.ENTRY_AREA, classes="short")
                yield Input(id="area")
                yield Label(i18n.ENTRY_COUNT, classes="short")
                yield Input("1", id="count", max_length=4)
            with Horizontal(classes="field"):
                yield Label(i18n.ENTRY_ORG)
                yield Input(id="org")
            yield Static(id="org-hint", classes="muted")
            with Horizontal(classes="field"):
                yield Label(i18n.ENTRY_CASE)
                yield Input(id="case", placeholder="例: C1024")
                yield Label(i18n.ENTRY_COORD, classes="short")
                yield Input(id="coord")
            with Horizontal(classes="field"):
                yield Label(i18n.ENTRY_NOTE)
                yield Input(id="note")
            yield Static(id="error", classes="error")
            yield Static(i18n.ENTRY_HINT, classes="muted")

    def on_mount(self) -> None:
        self._load_organisations()
        rec = self.record
        if rec is not None:
            values = {
                "date": rec.date.isoformat(),
                "area": str(rec.area),
                "count": str(rec.count),
                "org": rec.organisation or "",
                "case": rec.case_code or "",
                "coord": rec.coordinator,
                "note": rec.note,
            }
        else:
            mine = self.ctx.settings()
            area, coord = mine.area, mine.coordinator
            if area is None or not coord:
                last = entries.list_entries(limit=1)
                if last:
                    area = area if area is not None else last[0].area
                    coord = coord or last[0].coordinator
            values = {
                "date": self.day.isoformat(),
                "area": str(area) if area is not None else "",
                "coord": coord,
            }
        for key, value in values.items():
            self.query_one(f"#{key}", Input).value = value
        self.matches = self._match("")
        self._show_targets()
        self.call_after_refresh(self._show_targets)  # again, now that the width is known
        self.query_one("#target-filter").focus()

    @work(thread=True, group="orgs", exit_on_error=False)
    def _load_organisations(self) -> None:
        """The registry for completion, read off the UI thread so typing starts at once."""
        names = organisations.search("", limit=5000)
        self.app.call_from_thread(self._set_organisations, names)

    def _set_organisations(self, names: list[str]) -> None:
        self._org_names = names
        self._known_orgs = {organisations.org_key(n) for n in names}
        self.query_one("#org", Input).suggester = SuggestFromList(names, case_sensitive=False)

    # The target picker.
    def _show_targets(self) -> None:
        width = self.query_one("#target-list").size.width or 70
        text = Text()
        for n, (i, t) in enumerate(self.matches[:SHOWN]):
            tick = "[x]" if t.id in self.chosen else "[ ]"
            line = fit(f"{tick} {i:>2} {t.label}", width - 26) + " " + fit(t.id, 25)
            text.append(line, style="reverse" if n == self.highlight else "")
            text.append("\n")
        if not self.matches:
            text.append("(該当する目標はありません)", style="dim")
        more = len(self.matches) - SHOWN
        if more > 0:
            text.append(f"ほか {more} 件 (続けて入力して絞り込み)", style="dim")
        self.query_one("#target-list", Static).update(text)
        labels = [self.plan.target(tid).label for tid in self.chosen]  # type: ignore[union-attr]
        self.query_one("#chosen", Static).update(
            i18n.ENTRY_TARGETS_CHOSEN + ("、".join(labels) or i18n.ENTRY_NONE_CHOSEN)
        )

    def _match(self, query: str) -> list[tuple[int, Target]]:
        found = match_targets(self.plan, query)
        if not query.strip():  # ticked targets first, so that their [x] is in view
            found.sort(key=lambda hit: hit[1].id not in self.chosen)
        return found

    @on(Input.Changed, "#target-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.matches = self._match(event.value)
        self.highlight = 0
        self._moved = False
        self._show_targets()

    def action_move(self, step: int) -> None:
        shown = min(SHOWN, len(self.matches))
        if shown:
            self.highlight = (self.highlight + step) % shown
            self._moved = True
            self._show_targets()

    @on(Input.Submitted, "#target-filter")
    def _pick(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value and self.chosen and not self._moved:
            self.focus_next()  # Enter on an empty picker: on to the next field
            return
        if self.matches:
            tid = self.matches[min(self.highlight, len(self.matches) - 1)][1].id
            if tid in self.chosen:
                self.chosen.remove(tid)
            else:
                self.chosen.append(tid)
        event.input.value = ""  # ready for a second target
        self.matches = self._match("")
        self.highlight = 0
        self._moved = False
        self._show_targets()

    @on(Input.Submitted, ".field Input")
    def _next_field(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(Input.Changed, "#org")
    def _org_hint(self, event: Input.Changed) -> None:
        name = organisations.display_name(event.value)
        hint = ""
        if name:
            key = organisations.org_key(name)
            if key in self._known_orgs:
                hint = i18n.ENTRY_KNOWN_ORG
            else:
                near = [n for n in self._org_names if key in organisations.org_key(n)][:3]
                hint = i18n.ENTRY_NEW_ORG.format(name=name)
                if near:
                    hint += "  " + i18n.ENTRY_ORG_NEAR.format(names="、".join(near))
        self.query_one("#org-hint", Static).update(hint)

    # Saving.
    def _draft(self) -> entries.EntryDraft:
        def value(key: str) -> str:
            return self.query_one(f"#{key}", Input).value.strip()

        try:
            day = parse_date(value("date"))
        except ValueError:
            raise UserError(i18n.ENTRY_BAD_DATE) from None
        try:
            count = int(value("count") or "1")
        except ValueError:
            raise UserError(i18n.ENTRY_BAD_COUNT) from None
        return entries.EntryDraft(
            targets=tuple(self.chosen),
            date=day,
            area=entries.resolve_area(self.plan, value("area")),
            count=count,
            organisation=value("org") or None,
            case_code=value("case") or None,
            coordinator=value("coord"),
            note=value("note"),
        )

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            draft = self._draft()
        except UserError as exc:
            self.show_error(exc.message)
            return
        self.saving = True
        self.query_one("#error", Static).update(i18n.ENTRY_SAVING)
        self._save(draft)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, draft: entries.EntryDraft) -> None:
        try:
            if self.record is not None:
                saved = entries.update_entry(self.ctx.catalog, self.record.uuid, draft)
            else:
                saved = entries.log_entry(self.ctx.catalog, draft)
        except UserError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a locked or damaged store: say so, keep what was typed
            why = (
                "データベースを他のプログラムが使用中です。少し待ってからもう一度保存してください"
                if "locked" in str(exc)
                else f"{type(exc).__name__}: {exc}"
            )
            self.app.call_from_thread(self.show_error, f"保存できませんでした ({why})")
            return
        self.app.call_from_thread(self.dismiss, saved)

    def show_error(self, message: str) -> None:
        self.saving = False
        self.query_one("#error", Static).update(i18n.ERROR.format(message=message))

    def action_cancel(self) -> None:
        self.dismiss(None)
