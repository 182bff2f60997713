"""A read-only text over the screen (an entry's whole memo, its history, a conflict's two sides):
a title, the text (it scrolls), the keys; Esc, Enter or q closes it. One frame for all of them,
so they look and close alike. User text reaches it as rich Text, never as markup."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.screens.base import Seam


class TextPopup(Seam, ModalScreen[None]):
    """Subclasses set NAME (the widgets' ids: NAME, NAME-title, NAME-text, NAME-keys), TITLE
    ("" for none), KEYS, and give body()."""

    NAME: ClassVar[str] = "popup"
    FRAME: ClassVar[str] = ""  # the frame's id when not NAME
    TITLE: ClassVar[str] = ""
    KEYS: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", i18n.KEY_CANCEL, id="popup-close"),
        Binding("enter", "close", show=False),
        Binding("q", "close", show=False),
    ]
    DEFAULT_CSS = """
    TextPopup { align: center middle; }
    TextPopup .popup-frame {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    TextPopup .popup-title { text-style: bold; color: $accent; dock: top; }
    TextPopup .popup-body { height: auto; max-height: 80vh; }
    TextPopup .popup-keys { color: $text-muted; dock: bottom; }
    """

    def body(self) -> Text:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        name = self.NAME
        with Vertical(id=self.FRAME or name, classes="popup-frame"):
            if self.TITLE:
                yield Static(self.TITLE, id=f"{name}-title", classes="popup-title", markup=False)
            with VerticalScroll(id=f"{name}-body", classes="popup-body"):
                yield Static(self.body(), id=f"{name}-text")
            yield Static(self.KEYS, id=f"{name}-keys", classes="popup-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
