"""The passphrase of an encrypted store, asked at start (issue 14): masked, three tries, Esc
quits. The store is opened only once the passphrase is right."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from chofu_tui.errors import UserError

TRIES = 3


class UnlockScreen(ModalScreen[bool]):
    """Dismisses True once `unlock(passphrase)` opened the store; Esc or a third wrong
    passphrase ends the app (the store untouched)."""

    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen > Vertical {
        width: 76; max-width: 100%; height: auto;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    UnlockScreen Input { margin: 1 0 0 0; }
    UnlockScreen #unlock-error { color: $error; }
    """
    BINDINGS = [Binding("escape", "quit_app", "終了")]  # noqa: RUF012

    def __init__(self, where: str, unlock: Callable[[str], None]) -> None:
        super().__init__()
        self.where = where
        self.unlock = unlock
        self.tries = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"データベース {self.where} は暗号化されています。"), id="question")
            yield Static("パスフレーズを入力してください (入力は表示されません)。")
            yield Input(password=True, id="passphrase")
            yield Static("", id="unlock-error")
            yield Static("Enter 開く  Esc 終了", classes="muted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        passphrase = event.value
        event.input.value = ""
        if not passphrase:
            return
        try:
            self.unlock(passphrase)
        except UserError as exc:
            self.tries += 1
            left = TRIES - self.tries
            if left <= 0:
                self.app.exit(return_code=2, message=Text(f"エラー: {exc.message}"))
                return
            self.query_one("#unlock-error", Static).update(Text(f"{exc.message} (あと {left} 回)"))
            return
        self.dismiss(True)

    def action_quit_app(self) -> None:
        self.app.exit(return_code=0)
