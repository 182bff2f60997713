"""The history of one entry (issue 14), opened with `h` from the entry log: every change of
it from the change log — 作成, 編集 (each field: old → new), 削除, 復元, 取り込み, 競合の解決 —
with when, which device and who. User text is shown literally (rich Text, never markup)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from chofu_tui.safetext import one_line
from chofu_tui.screens.popup import TextPopup
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


class HistoryScreen(TextPopup):
    NAME = "history"
    TITLE = HISTORY_TITLE
    KEYS = HISTORY_KEYS
    BINDINGS = [*TextPopup.BINDINGS, Binding("h", "close", show=False)]  # noqa: RUF012

    def __init__(self, found: history.History) -> None:
        super().__init__()
        self.found = found

    def body(self) -> Text:
        return history_text(self.found)
