"""Every key of the app, with what it does (Escape or ? closes)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.textfmt import table
from chofu_tui.widgets.keybar import KeyBar

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
}

SCREEN_KEYS = [
    (
        "n",
        "記録する: 目標を番号・id・名前で絞り込み、Enter で選択 (複数可)、ctrl+s 保存、Esc 閉じる",
    ),
    ("1 2 3", "各分野の画面: 上下キーで目標を選ぶと n でその目標が選ばれた状態で記録"),
    ("e", "記録一覧: 選んだ記録を編集 / 団体: 名前を変更"),
    ("x", "記録一覧: 選んだ記録を削除"),
    ("u", "記録一覧: 最後の削除・編集を元に戻す"),
    ("/", "記録一覧: 絞り込み (メモ・団体・記録者、目標、圏域、団体名)"),
    ("m", "団体: 選んだ団体を別の団体に統合"),
    ("c", "計画のない年度: 最新の計画からこの年度の計画を作る"),
    ("v", "計画のない年度: 最新の年度を表示する"),
    ("ctrl+s", "記録・設定を保存"),
]


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


class HelpScreen(Screen):
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", i18n.KEY_CANCEL, id="help-close"),
        Binding("question_mark", "app.pop_screen", i18n.KEY_CANCEL, show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen #help { padding: 1 2; }
    HelpScreen .title { text-style: bold; color: $accent; }
    """

    def compose(self) -> ComposeResult:
        app_keys = [
            [key_name(b.key), b.description]
            for b in self.app.BINDINGS
            if isinstance(b, Binding) and b.description
        ]
        with VerticalScroll(id="help"):
            yield Static(i18n.HELP_TITLE, classes="title")
            yield Static(i18n.HELP_INTRO)
            yield Static(table(["キー", "どの画面でも"], app_keys), id="help-global")
            yield Static(
                table(["キー", "画面ごと"], [list(r) for r in SCREEN_KEYS]), id="help-screens"
            )
            yield Static(i18n.STATUS_HELP)
        yield KeyBar()
