"""The history of one entry (issue 14), opened with `h` from the entry log: every change of
it from the change log — 作成, 編集 (each field: old → new), 削除, 復元, 取り込み, 競合の解決 —
with when, which device and who. User text is shown literally (rich Text, never markup)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.services import history

HISTORY_TITLE = "変更の履歴"
HISTORY_KEYS = "Esc・Enter 閉じる  ↑↓ PageUp PageDown 移動"
NO_HISTORY = "この記録の履歴はありません"


def history_text(found: history.History) -> Text:
    """The steps as one Text: a bold headline per change, its fields indented below."""
    text = Text()
    text.append(one_line(found.title) + "\n", style="bold")
    if not found.steps:
        text.append(NO_HISTORY)
    for step in found.steps:
        head, *fields = history.step_lines(step)
        text.append("\n" + head, style="bold")
        for line in fields:
            text.append("\n" + line)
    text.rstrip()
    return text


class HistoryScreen(Seam, ModalScreen[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", i18n.KEY_CANCEL, id="history-close"),
        Binding("enter", "close", show=False),
        Binding("h", "close", show=False),
        Binding("q", "close", show=False),
    ]
    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen #history {
        width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HistoryScreen #history-title { text-style: bold; color: $accent; dock: top; }
    HistoryScreen #history-body { height: auto; max-height: 80vh; }
    HistoryScreen #history-keys { color: $text-muted; dock: bottom; }
    """

    def __init__(self, found: history.History) -> None:
        super().__init__()
        self.found = found

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static(HISTORY_TITLE, id="history-title", markup=False)
            with VerticalScroll(id="history-body"):
                yield Static(history_text(self.found), id="history-text")
            yield Static(HISTORY_KEYS, id="history-keys", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
