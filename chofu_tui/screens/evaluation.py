"""評価・課題: a dialog to write one initiative's narrative for the year, dismissed with the
text as stored (None when closed without saving).

ctrl+s saves (a blank text clears it); Esc closes at once when nothing was typed, and asks
before dropping typed text, as the entry form does. The initiative's name and the text are
shown literally (rich Text), never parsed as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from chofu_tui import i18n
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Initiative
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.screens.quick_entry import DISCARD_QUESTION, MemoArea
from chofu_tui.services import evaluations
from chofu_tui.services.year_view import error_message

KEYS = "ctrl+s 保存 (空にすると消去)  Esc 閉じる  Enter で改行"
SAVING = "保存しています..."


class EvaluationSaved(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class EvaluationDialog(Seam, ModalScreen[str | None]):
    DEFAULT_CSS = """
    EvaluationDialog { align: center middle; }
    EvaluationDialog #dialog {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    EvaluationDialog #title {
        text-style: bold; color: $accent; text-wrap: nowrap; text-overflow: ellipsis;
    }
    EvaluationDialog #evaluation-text { height: 10; border: none; background: $boost; }
    EvaluationDialog #message { color: $error; height: auto; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+s", "save", i18n.KEY_SAVE, id="evaluation-save", priority=True),
        Binding("escape", "cancel", i18n.KEY_CANCEL, id="evaluation-cancel"),
    ]

    def __init__(self, fy: FiscalYear, initiative: Initiative, text: str) -> None:
        super().__init__()
        self.fy = fy
        self.initiative = initiative
        self.initial = text
        self.saving = False

    def compose(self) -> ComposeResult:
        ini = self.initiative
        # the year, then the initiative on a line of its own (cropped rather than wrapped)
        title = f"{i18n.EVALUATION} {self.fy.label}\n{one_line(ini.heading)} {one_line(ini.title)}"
        with Vertical(id="dialog"):
            yield Static(Text(title, no_wrap=True, overflow="ellipsis"), id="title")
            yield MemoArea(self.initial, id="evaluation-text", soft_wrap=True)
            yield Static("", id="message")
            yield Static(Text(KEYS), classes="muted")

    def on_mount(self) -> None:
        area = self.query_one(MemoArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(MemoArea).text

    @property
    def touched(self) -> bool:
        return self.text != self.initial

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(Text(text))

    def action_save(self) -> None:
        if self.saving:
            return
        text = evaluations.clean(self.text)
        if (why := evaluations.problem(text)) is not None:
            self._say(why[0])  # said before anything is written; the text stays as typed
            return
        self.saving = True
        self._say(SAVING)
        self._save(text)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save(self, text: str) -> None:
        stored = evaluations.save(self.fy, self.initiative.id, text)
        self.post_message(EvaluationSaved(stored))

    def on_evaluation_saved(self, message: EvaluationSaved) -> None:
        self.dismiss(message.text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A save that failed is said in the dialog, which keeps what was typed."""
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if event.worker.group != "save":
            super().on_worker_state_changed(event)
            return
        self.saving = False
        if isinstance(error, UserError):
            self._say(error.message)
        else:  # a locked or read-only store, a full disk: said, never swallowed
            self._say(f"保存できませんでした ({error_message(error)})")

    def action_cancel(self) -> None:
        """Esc: closes at once when nothing was typed; typed text is dropped only when confirmed."""
        if self.saving:
            return
        if not self.touched:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog(DISCARD_QUESTION), answered)
