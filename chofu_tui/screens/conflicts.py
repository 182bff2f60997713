"""The conflicts screen (issue 13), opened with `!` while the key bar shows 「競合 N」: changes
made on two laptops without seeing each other. Enter shows both sides; m keeps this
computer's (mine), t the one that came in (theirs), each after a question. User text (notes,
names) is shown literally, never as markup."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from chofu_tui import i18n
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import Seam
from chofu_tui.screens.popup import TextPopup
from chofu_tui.screens.prompt import ConfirmDialog
from chofu_tui.services import history
from chofu_tui.services.history import ConflictView, shown_time
from chofu_tui.widgets.keybar import KeyBar

TITLE = "競合 (他のパソコンと同時に変更された記録)"
COUNT = "競合 {n} 件。Enter で両方を表示、m でこちら、t で取り込んだ側を残します"
NONE = "競合はありません"
COLUMNS = ("内容", "id", "こちら", "取り込んだ側", "有効")
KINDS = {"entry": "記録", "organisation": "団体", "evaluation": "評価・課題"}
SIDES = {"mine": "こちら", "theirs": "取り込んだ側"}
KEY_MINE = "こちらを残す"
KEY_THEIRS = "取り込んだ側を残す"
KEY_BOTH = "両方を表示"
ASK = "{what} の競合を「{side}」の内容で解決しますか? (もう一方の変更は履歴に残ります)"
ASK_KEYS = "y はい (解決する)   n / Esc いいえ"
RESOLVED = "競合を解決しました ({side}を残しました)"
DETAIL_KEYS = "Esc・Enter 閉じる  ↑↓ 移動"


def _who(side: history.Side) -> str:
    return f"{shown_time(side.at)} {side.device} {one_line(side.coordinator)}".rstrip()


def _cell(side: history.Side) -> Text:
    """A side in the list, short enough for 80 columns: who (else the device); the rest is
    in the detail (Enter)."""
    return Text(one_line(side.coordinator) or side.device, no_wrap=True)


def _what(v: ConflictView) -> Text:
    kind = "" if v.kind == "entry" else f"{KINDS.get(v.kind, v.kind)} "
    return Text(kind + " ".join(one_line(v.label).split()), no_wrap=True)


def both_sides(v: ConflictView) -> Text:
    """Both sides of one conflict: who, when, which device, the fields that differ."""
    text = Text()
    text.append(f"{KINDS.get(v.kind, v.kind)} {v.record}\n", style="bold")
    text.append(one_line(v.label) + "\n")
    text.append(f"\nこちら (mine): {_who(v.mine)}\n", style="bold")
    text.append(f"取り込んだ側 (theirs): {_who(v.theirs)}\n", style="bold")
    for f in v.fields:
        text.append(f"\n{f.label}\n", style="bold")
        text.append(f"  こちら: {one_line(f.old)}\n")
        text.append(f"  取り込んだ側: {one_line(f.new)}\n")
    text.append(f"\nいま有効: {SIDES[v.applies]} — {v.why}")
    return text


class ConflictsLoaded(Message):
    def __init__(self, views: list[ConflictView]) -> None:
        super().__init__()
        self.views = views


class Resolved(Message):
    def __init__(self, keep: str) -> None:
        super().__init__()
        self.keep = keep


class ConflictDetail(TextPopup):
    NAME = "conflict"
    FRAME = "conflict-detail"
    KEYS = DETAIL_KEYS
    DEFAULT_CSS = "ConflictDetail .popup-frame { border: thick $warning; }"

    def __init__(self, view: ConflictView) -> None:
        super().__init__()
        self.view = view

    def body(self) -> Text:
        return both_sides(self.view)


class ConflictsScreen(Seam, Screen[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", i18n.KEY_CANCEL, id="conflicts-close"),
        Binding("enter", "both", KEY_BOTH, id="conflicts-both"),
        Binding("m", "keep('mine')", KEY_MINE, id="conflicts-mine"),
        Binding("t", "keep('theirs')", KEY_THEIRS, id="conflicts-theirs"),
    ]
    DEFAULT_CSS = """
    ConflictsScreen #conflicts-title { text-style: bold; color: $accent; padding: 0 1; }
    ConflictsScreen #conflicts-count { padding: 0 1; }
    ConflictsScreen #conflicts { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, ConflictView] = {}

    def compose(self) -> ComposeResult:
        yield Static(TITLE, id="conflicts-title", markup=False)
        yield Static("", id="conflicts-count", markup=False)
        table: DataTable[str | Text] = DataTable(
            id="conflicts", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(*COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        self.post_message(ConflictsLoaded(history.conflict_views()))

    def on_conflicts_loaded(self, message: ConflictsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.views = {v.record: v for v in message.views}
        for v in message.views:
            table.add_row(
                _what(v),
                v.record[:8],
                _cell(v.mine),
                _cell(v.theirs),
                SIDES[v.applies],
                key=v.record,
            )
        n = len(message.views)
        self.query_one("#conflicts-count", Static).update(COUNT.format(n=n) if n else NONE)

    def selected(self) -> ConflictView | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.views.get(key or "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_both()

    def action_both(self) -> None:
        if (v := self.selected()) is not None:
            self.app.push_screen(ConflictDetail(v))

    def action_keep(self, keep: str) -> None:
        v = self.selected()
        if v is None:
            self.notify(NONE, severity="warning")
            return
        what = f"{KINDS.get(v.kind, v.kind)} {v.record[:8]}"

        def answered(yes: bool | None) -> None:
            if yes:
                self._resolve(v.record, keep)

        self.app.push_screen(
            ConfirmDialog(ASK.format(what=what, side=SIDES[keep]), ASK_KEYS), answered
        )

    @work(thread=True, group="write", exit_on_error=False)
    def _resolve(self, record: str, keep: str) -> None:
        history.resolve(record, keep)
        self.post_message(Resolved(keep))

    def on_resolved(self, message: Resolved) -> None:
        self.notify(RESOLVED.format(side=SIDES[message.keep]))
        self.chofu.reload()
        self._load()

    def action_close(self) -> None:
        self.app.pop_screen()
