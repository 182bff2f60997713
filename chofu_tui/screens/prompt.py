"""A one-line question (a new name, the organisation to merge into) that dismisses the answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from chofu_tui import i18n


class PromptDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PromptDialog { align: center middle; }
    PromptDialog > Vertical {
        width: 70; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    PromptDialog Input { margin: 1 0; }
    """
    BINDINGS = [Binding("escape", "cancel", i18n.KEY_CANCEL)]  # noqa: RUF012

    def __init__(self, question: str, value: str = "", suggestions: list[str] | None = None):
        super().__init__()
        self.question = question
        self.value = value
        self.suggestions = suggestions or []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, markup=False)  # it may quote a user's name
            suggester = SuggestFromList(self.suggestions) if self.suggestions else None
            yield Input(self.value, suggester=suggester, id="answer")
            yield Static("Enter 決定  Esc 取り消し", classes="muted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
