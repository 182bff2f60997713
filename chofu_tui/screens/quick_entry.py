"""Quick entry: a dialog that logs (or edits) one entry and dismisses with what was saved.

The first field picks targets: type a number, part of an id (`aw`) or of a label (`啓発`),
Enter ticks the highlighted one (more than one may be ticked), ctrl+s saves from any field.
Nothing is ticked that the user did not tick: a program screen's targets are only listed first.
Every piece of user text is shown as `rich.text.Text`, never parsed as markup.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState

from chofu_tui import i18n
from chofu_tui.context import Context
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear, parse_date
from chofu_tui.plan import Plan, Target
from chofu_tui.safetext import strip_controls
from chofu_tui.screens.base import Seam
from chofu_tui.screens.entry_errors import FieldError, field_of, for_app
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.services import entries, organisations
from chofu_tui.services.settings import default_coordinator
from chofu_tui.services.year_view import error_message, match_targets, short_labels
from chofu_tui.textfmt import fit

WIDE_PICKER = 90  # a picker this wide lists full labels; narrower, the short ones
SHOWN = 5  # matching targets listed under the filter (fewer when the screen is short)
# Rows of the dialog besides the picker's list and the 「選んだ目標」 line: borders, title,
# filter, date, 団体名 and its hint, case/記録者, up to three lines of message, the key line.
OTHER_ROWS = 2 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 1
# The picker's rows: explicit colours, readable in any theme (reverse video was near invisible).
CURSOR_STYLE = "bold #000000 on #ffd75f"
TICKED_STYLE = "bold #000000 on #87d787"

# The form's own words (beside their only use).
KEYS = "ctrl+s 保存  Esc 閉じる  ctrl+l 前回の日付  Tab 次へ  メモは Enter で改行"
TARGETS_PLACEHOLDER = "番号・名前・略称で絞り込み、Enter で選択 (複数可)  例: aw 啓発"
NOTE_PLACEHOLDER = "複数行可 (Enter で改行)。個人が分かることは書かない"
DISCARD_QUESTION = "入力した内容を破棄して閉じますか"
NEED_DATE = "日付を入力してください (例: 2024-05-10、5/10、令和6年5月10日)"
BAD_DATE = "日付が正しくありません (例: 2024-05-10、5/10、令和6年5月10日)"
NEED_COORDINATOR = "記録者を入力してください (設定 s で既定の名前を登録できます)"
OTHER_YEAR = (
    "{fy}に記録します (表示中の{shown}の集計には入りません)\n"
    "このまま保存するにはもう一度 ctrl+s、違うときは日付を直してください"
)
NO_LAST_DATE = "前回の日付がありません"

_LAST_DATE: dict[str, dt.date] = {}  # per store: the date of the entry this app saved last


class TargetFilter(Input):
    """The target picker's text field; up/down move the highlight in the list below it."""

    BINDINGS = [  # noqa: RUF012
        Binding("down", "screen.move(1)", show=False),
        Binding("up", "screen.move(-1)", show=False),
    ]


class MemoArea(TextArea):
    """メモ: several lines; a paste keeps its lines and tabs but never a terminal control code."""

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # instead of TextArea's paste, which keeps every character
        if self.read_only:
            return
        result = self.replace(strip_controls(event.text, multiline=True), *self.selection)
        self.move_cursor(result.end_location)
        self.focus()


class OrganisationsFound(Message):
    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class EntrySaved(Message):
    def __init__(self, saved: entries.Saved) -> None:
        super().__init__()
        self.saved = saved


class QuickEntryDialog(Seam, ModalScreen[entries.Saved | None]):
    CSS_PATH = "quick_entry.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+s", "save", i18n.KEY_SAVE, id="save", priority=True),
        Binding("ctrl+l", "last_date", "前回の日付", id="last-date", priority=True),
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
        """`preselect`: the target highlighted on the screen behind; listed first, not ticked."""
        super().__init__()
        self.ctx = ctx
        self.plan = plan
        self.day = day
        self.record = record
        self.chosen: list[str] = list(record.targets) if record else []
        self.first = self._listed_first(preselect)
        self.shorts = short_labels(plan)
        self.matches: list[tuple[int, Target]] = []
        self.highlight = 0
        self.shown = SHOWN  # rows of the picker's list
        self._moved = False  # the highlight was moved with the arrow keys
        self.saving = False
        self._orgs_loaded = False
        self._known_orgs: set[str] = set()
        self._org_names: list[str] = []
        self._initial: tuple[object, ...] = ()
        self._error_field: str | None = None
        self._confirmed: str | None = None  # the date text whose other year was announced

    def _listed_first(self, preselect: str | None) -> dict[str, int]:
        """The highlighted target, then the rest of its program area, ahead of the others."""
        if not preselect or self.plan.target(preselect) is None:
            return {}
        pa, _ = self.plan.initiative_of(preselect)
        ids = [preselect] + [t.id for i in pa.initiatives for t in i.targets if t.id != preselect]
        return {tid: n for n, tid in enumerate(ids)}

    def compose(self) -> ComposeResult:
        title = i18n.ENTRY_EDIT_TITLE if self.record else i18n.ENTRY_TITLE
        with Vertical(id="dialog"):
            yield Static(Text(f"{title} ({self.home_year.label})"), id="title")
            with Horizontal(id="picker-row"):
                yield Label("目標")
                yield TargetFilter(id="target-filter", placeholder=TARGETS_PLACEHOLDER)
            yield Static(id="target-list")
            yield Static(id="chosen")
            with Horizontal(classes="field"):
                yield Label(i18n.ENTRY_DATE)
                yield Input(id="date", max_length=20)
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
            with Horizontal(id="note-row"):
                yield Label(i18n.ENTRY_NOTE)
                yield MemoArea(
                    id="note", soft_wrap=True, compact=True, placeholder=NOTE_PLACEHOLDER
                )
            yield Static(id="error")
            yield Static(KEYS, id="keys", classes="muted")

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
            }
            self.query_one("#note", TextArea).load_text(strip_controls(rec.note, multiline=True))
        else:
            area = self.ctx.settings().area
            if area is None:
                last = entries.list_entries(limit=1)
                area = last[0].area if last else None
            values = {
                "date": self.day.isoformat(),
                "area": str(area) if area is not None else "",
                "coord": default_coordinator(),
            }
        for key, value in values.items():  # rows stored before the rules may carry controls
            self.query_one(f"#{key}", Input).value = strip_controls(value)
        self._initial = self._snapshot()
        self.matches = self._match("")
        self._show_targets()
        self.call_after_refresh(self._show_targets)  # again, now that the width is known
        self.query_one("#target-filter").focus()

    def on_resize(self, event: events.Resize) -> None:
        """The memo is 3 lines at 80x24 (the whole form fits), more where the screen is taller."""
        lines = 3 if event.size.height < 32 else 6
        for selector in ("#note-row", "#note"):
            self.query_one(selector).styles.height = lines
        self._show_targets()  # the list's rows depend on the height

    def _snapshot(self) -> tuple[object, ...]:
        """What the user has entered (the filter's text is only a search)."""
        values = tuple(i.value for i in self.query(".field Input").results(Input))
        return (tuple(self.chosen), values, self.query_one("#note", TextArea).text)

    @property
    def touched(self) -> bool:
        return self._snapshot() != self._initial

    @work(thread=True, group="orgs", exit_on_error=False)
    def _load_organisations(self) -> None:
        """The registry for completion, read off the UI thread so typing starts at once."""
        self.post_message(OrganisationsFound(organisations.search("", limit=5000)))

    def on_organisations_found(self, message: OrganisationsFound) -> None:
        names = message.names
        self._org_names = names
        self._known_orgs = {organisations.org_key(n) for n in names}
        self._orgs_loaded = True
        self.query_one("#org", Input).suggester = SuggestFromList(names, case_sensitive=False)
        self._show_org_hint()  # a name filled in before the registry arrived (the edit form)

    # The target picker.
    def _show_targets(self) -> None:
        width = self.query_one("#target-list").size.width or 70
        text = Text()
        labels = [t.label if (t := self.plan.target(tid)) else tid for tid in self.chosen]
        chosen = i18n.ENTRY_TARGETS_CHOSEN + ("、".join(labels) or i18n.ENTRY_NONE_CHOSEN)
        self.shown = self._rows_for_list(width, chosen)
        self.highlight = min(self.highlight, self.shown - 1)  # never a row out of sight
        for n, (i, t) in enumerate(self.matches[: self.shown]):
            ticked, cursor = t.id in self.chosen, n == self.highlight
            # The label, never the English id (typing the id still finds it); at 80 columns
            # the short label, as the dashboard shows it.
            name = t.label if width >= WIDE_PICKER else self.shorts.get(t.id, t.label)
            line = f"{'>' if cursor else ' '}{'[x]' if ticked else '[ ]'} {i:>2} {name}"
            line = fit(line, width)
            text.append(line, style=CURSOR_STYLE if cursor else TICKED_STYLE if ticked else "")
            text.append("\n")
        if not self.matches:
            text.append("(該当する目標はありません)", style="dim")
        more = len(self.matches) - self.shown
        if more > 0:
            text.append(f"ほか {more} 件 (続けて入力して絞り込み)", style="dim")
        text.rstrip()
        self.query_one("#target-list", Static).update(text)
        self.query_one("#chosen", Static).update(Text(chosen))

    def _rows_for_list(self, width: int, chosen: str) -> int:
        """Up to SHOWN rows, fewer when a long 「選んだ目標」 would push the key line out."""
        memo = self.query_one("#note").styles.height
        memo_rows = int(memo.value) if memo is not None and memo.is_cells else 3
        chosen_rows = len(Text(chosen).wrap(self.app.console, max(width, 1)))
        free = self.app.size.height - OTHER_ROWS - memo_rows - chosen_rows - 1  # 1: 「ほか」
        return max(1, min(SHOWN, free))

    def _match(self, query: str) -> list[tuple[int, Target]]:
        found = match_targets(self.plan, query)
        if not query.strip():  # ticked first (their [x] in view), then the screen's own targets
            last = len(self.first)
            found.sort(
                key=lambda hit: (hit[1].id not in self.chosen, self.first.get(hit[1].id, last))
            )
        return found

    @on(Input.Changed, "#target-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.matches = self._match(event.value)
        self.highlight = 0
        self._moved = False
        self._show_targets()

    def action_move(self, step: int) -> None:
        shown = min(self.shown, len(self.matches))
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
        self._changed("targets")

    @on(Input.Submitted, ".field Input")
    def _next_field(self, event: Input.Submitted) -> None:
        self.focus_next()

    @on(Input.Changed, ".field Input")
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._changed(event.input.id)

    @on(TextArea.Changed, "#note")
    def _note_changed(self, event: TextArea.Changed) -> None:
        self._changed("note")

    @on(Input.Changed, "#org")
    def _org_changed(self, event: Input.Changed) -> None:
        self._show_org_hint()

    def _show_org_hint(self) -> None:
        name = organisations.display_name(self.query_one("#org", Input).value)
        hint = ""
        if name and self._orgs_loaded:  # before the registry is read, every name looks new
            key = organisations.org_key(name)
            if key in self._known_orgs:
                hint = i18n.ENTRY_KNOWN_ORG
            else:
                near = [n for n in self._org_names if key in organisations.org_key(n)][:3]
                hint = i18n.ENTRY_NEW_ORG.format(name=name)
                if near:
                    hint += "  " + i18n.ENTRY_ORG_NEAR.format(names="、".join(near))
        self.query_one("#org-hint", Static).update(Text(hint))

    # Messages under the form: one field's error, or the question about another year.
    def _changed(self, field: str) -> None:
        date = self.query_one("#date", Input).value
        if field == "date" and self._confirmed is not None and date != self._confirmed:
            self._confirmed = None  # a new date: say again if it is another year
            self._clear_message()
        if self._error_field is None or field != self._error_field:
            return
        try:  # fixed? run the same checks as saving, and clear once this field passes
            self._checked()
        except UserError as exc:
            if field_of(exc) == field:
                return
        self._clear_message()

    def _show_message(self, text: str, kind: str) -> None:
        message = self.query_one("#error", Static)
        message.set_classes(kind)
        message.update(Text(text))

    def _clear_message(self) -> None:
        if self._error_field is not None:
            self._mark(self._error_field, False)
        self._error_field = None
        self._show_message("", "")

    def _mark(self, field: str, bad: bool) -> None:
        widget = "#target-filter" if field == "targets" else f"#{field}"
        for w in self.query(widget):
            w.set_class(bad, "-invalid")

    def show_error(self, exc: UserError | str) -> None:
        self.saving = False
        field = field_of(exc) if isinstance(exc, UserError) else None
        message = exc.message if isinstance(exc, UserError) else exc
        self._clear_message()
        self._error_field = field
        if field is not None:
            self._mark(field, True)
        self._show_message(i18n.ERROR.format(message=for_app(message)), "error")

    # Dates.
    def _parse_day(self, text: str) -> dt.date:
        if not text:
            raise FieldError("date", NEED_DATE)
        try:
            return parse_date(text, today=self.ctx.today())  # 5/10: not after today
        except UserError as exc:
            raise FieldError("date", exc.message) from None
        except ValueError:  # the parser's words quote the text; the form shows what it accepts
            raise FieldError("date", BAD_DATE) from None

    def action_last_date(self) -> None:
        """ctrl+l: the date of the entry saved last (several entries for one past day)."""
        day = _LAST_DATE.get(str(self.ctx.db_path))
        if day is None:
            recent = entries.list_entries(limit=100)  # newest dates; the latest logged of them
            day = max(recent, key=lambda r: r.created_at).date if recent else None
        if day is None:
            self.notify(NO_LAST_DATE, severity="warning")
            return
        self.query_one("#date", Input).value = day.isoformat()

    # Saving.
    def _checked(self) -> entries.EntryDraft:
        """The draft after the service's checks, then the form's own: a name for 記録者."""
        draft = self._draft()
        entries.check_draft(self.ctx.catalog, draft, today=self.ctx.today())
        if not draft.coordinator:  # required here; the command line only warns
            raise FieldError("coord", NEED_COORDINATOR)
        return draft

    def _draft(self) -> entries.EntryDraft:
        def value(key: str) -> str:
            return self.query_one(f"#{key}", Input).value.strip()

        day = self._parse_day(value("date"))
        try:
            count = entries.parse_count(value("count") or "1")
        except UserError as exc:
            raise FieldError("count", exc.message) from None
        try:
            area = entries.resolve_area(self.plan, value("area"))
        except UserError as exc:
            raise FieldError("area", exc.message) from None
        return entries.EntryDraft(
            targets=tuple(self.chosen),
            date=day,
            area=area,
            count=count,
            organisation=value("org") or None,
            case_code=value("case") or None,
            coordinator=" ".join(value("coord").split()),
            note=self.query_one("#note", TextArea).text.strip(),
        )

    @property
    def home_year(self) -> FiscalYear:
        """The year this form is about: the year in view, or (editing) the entry's own year
        (its plan may be another year's: a year with no plan edits with the latest one)."""
        return self.record.fiscal_year if self.record is not None else self.plan.fy

    def _other_year(self, day: dt.date) -> FiscalYear | None:
        """The entry's year when it is not the form's year: said before saving."""
        fy = FiscalYear.of(day)
        return None if fy.year == self.home_year.year else fy

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            draft = self._checked()  # every check before asking about the year
        except UserError as exc:
            self.show_error(exc)
            return
        other = self._other_year(draft.date)
        date = self.query_one("#date", Input).value
        if other is not None and self._confirmed != date:
            self._clear_message()
            self._confirmed = date
            self._show_message(OTHER_YEAR.format(fy=other.label, shown=self.home_year.label), "ask")
            return
        self.saving = True
        self._clear_message()
        self._show_message(i18n.ENTRY_SAVING, "")
        self._save(draft)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save(self, draft: entries.EntryDraft) -> None:
        """Store the entry; a refusal or a failure ends the worker (on_worker_state_changed)."""
        if self.record is not None:
            saved = entries.update_entry(
                self.ctx.catalog, self.record.uuid, draft, today=self.ctx.today()
            )
        else:
            saved = entries.log_entry(self.ctx.catalog, draft, today=self.ctx.today())
        self.post_message(EntrySaved(saved))

    def on_entry_saved(self, message: EntrySaved) -> None:
        _LAST_DATE[str(self.ctx.db_path)] = message.saved.entry.date
        self.dismiss(message.saved)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A save that failed is said in the form, which keeps what was typed (a refusal names
        its field); any other worker's failure goes by the screens' policy (a notification)."""
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if event.worker.group != "save":
            super().on_worker_state_changed(event)
        elif isinstance(error, UserError):
            self.show_error(error)
        else:  # a locked or damaged store, a full disk, or a bug: said, never swallowed
            self.show_error(f"保存できませんでした ({error_message(error)})")

    def action_cancel(self) -> None:
        """Esc: an untouched form closes at once; typed content is only dropped when confirmed."""
        if self.saving:
            return  # the save under way closes the form
        if not self.touched:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(DISCARD_QUESTION), answered)
