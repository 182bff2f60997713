"""Small dialogs: a one-line question that dismisses the answer, and a yes/no question.

The question may quote user text (an organisation's name): it is shown literally, never as markup.
"""

from __future__ import annotations

from rich.text import Text
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
            yield Static(Text(self.question), id="question")
            suggester = SuggestFromList(self.suggestions) if self.suggestions else None
            yield Input(self.value, suggester=suggester, id="answer")
            yield Static("Enter 決定  Esc 取り消し", classes="muted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question (破棄しますか): y dismisses True; n or Esc dismiss False (go back)."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 60; max-width: 100%; height: auto;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmDialog #question { text-style: bold; margin-bottom: 1; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("y", "answer(True)", "はい", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "いいえ", id="confirm-no"),
        # Nothing here takes letters, so the app's q would otherwise quit from under the question.
        Binding("q", "stay", show=False),
    ]

    def __init__(
        self, question: str, keys: str = "y はい (破棄する)   n / Esc いいえ (入力に戻る)"
    ):
        super().__init__()
        self.question = question
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question), id="question")
            yield Static(Text(self.keys), id="confirm-keys", classes="muted")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_stay(self) -> None:
        """Swallow a key that would act behind the dialog."""
