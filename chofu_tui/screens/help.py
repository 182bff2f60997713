"""Every key of the app, with what it does (Escape or ? closes)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.textfmt import table
from chofu_tui.widgets.keybar import KeyBar

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "question_mark": "?",
    "slash": "/",
    "escape": "Esc",
    "exclamation_mark": "!",
}

PROGRAM_KEYS_HELP = (
    "各分野の画面 ({names}): 上下キーで目標を選ぶと n でその目標が選ばれた状態で記録"
)

SCREEN_KEYS = [
    (
        "n",
        "記録する: 目標を番号・名前・略称で絞り込み (id も可)、Enter で選択 (複数可)、ctrl+s 保存、Esc 閉じる",
    ),
    ("e", "記録一覧: 選んだ記録を編集 / 団体: 名前を変更 / 各分野: 選んだ取組の評価・課題を書く"),
    ("x", "記録一覧: 選んだ記録を削除"),
    ("Enter", "記録一覧: 選んだ記録の詳細 (メモ全文・作成・更新日時)"),
    ("u", "記録一覧: 削除・編集を新しい順に一つずつ元に戻す (ほかで変更された記録は戻さない)"),
    (
        "h",
        "記録一覧: 選んだ記録の変更の履歴 (作成・編集・削除・復元・取り込み、いつ・どのパソコン・誰)",
    ),
    (
        "!",
        "競合があるとき (キーの列に「競合 N」): 競合の一覧。Enter 両方を表示、"
        "m こちらを残す、t 取り込んだ側を残す (確認のあと)",
    ),
    ("/", "記録一覧: 検索 (メモ・団体・ケースコード・記録者・目標名。全角半角・空白は区別しない)"),
    ("a", "記録一覧: 全年度の記録を表示 / この年度に戻す"),
    ("Home End", "記録一覧: 最初・最後の記録へ (PageUp PageDown で1画面ずつ)"),
    ("m", "団体: 選んだ団体を別の団体に統合 / 週・月のまとめ: 自分の記録だけ・全員"),
    ("t", "ダッシュボード・各分野: 範囲を切り替える (全体 → 担当圏域 → 記録者)。次回も同じ範囲"),
    ("[ ]", "週・月のまとめ: 前・次の週 (月)。w で週と月を切り替え"),
    ("c", "計画のない年度: 最新の計画からこの年度の計画を作る"),
    ("v", "計画のない年度: 最新の年度を表示する"),
    ("ctrl+s", "記録・設定を保存"),
]


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


def screen_keys(program_names: list[str]) -> list[list[str]]:
    """The keys of each screen; the program keys as many as the plan has program areas."""
    rows = [list(r) for r in SCREEN_KEYS]
    if program_names:
        keys = " ".join(str(n) for n in range(1, len(program_names) + 1))
        names = "、".join(f"{n} {name}" for n, name in enumerate(program_names, start=1))
        rows.insert(1, [keys, PROGRAM_KEYS_HELP.format(names=names)])
    return rows


class HelpScreen(Seam, Screen[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", i18n.KEY_CANCEL, id="help-close"),
        Binding("question_mark", "app.pop_screen", i18n.KEY_CANCEL, show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen #help { padding: 1 2; }
    HelpScreen .title { text-style: bold; color: $accent; }
    """

    def compose(self) -> ComposeResult:
        app = self.chofu
        app_keys = [[key_name(b.key), b.description] for b in app.app_bindings()]
        names = [one_line(pa.key_name) for pa in app.program_areas]
        with VerticalScroll(id="help"):
            yield Static(i18n.HELP_TITLE, classes="title")
            plan = app.view.plan if app.view else None
            issuer = "・".join(plan.issuer) if plan and plan.issuer else ""
            about = " / ".join(p for p in (plan.title if plan else "", issuer) if p)
            # Plan text is the user's file: literal, never markup.
            yield Static(
                one_line(i18n.HELP_INTRO.format(plan=about or i18n.HELP_NO_PLAN)), markup=False
            )
            # Key names such as `[` are text here, not markup.
            yield Static(table(["キー", "どの画面でも"], app_keys), id="help-global", markup=False)
            yield Static(
                table(["キー", "画面ごと"], screen_keys(names)),
                id="help-screens",
                markup=False,
            )
            yield Static(i18n.STATUS_HELP)
        yield KeyBar()
