"""週・月のまとめ: what was logged in a week or a month, by target, with counts and the
organisations met (what a coordinator brings to the weekly team meeting)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.context import Context
from chofu_tui.plan import Plan
from chofu_tui.screens.base import Seam
from chofu_tui.services import settings
from chofu_tui.services.summary import Summary, summarize
from chofu_tui.widgets.keybar import KeyBar


def summary_table(result: Summary) -> Table:
    """The rows as a Rich table; every cell is Text (user text is never markup)."""
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False)
    table.add_column("目標", no_wrap=True, ratio=None)
    table.add_column("数", justify="right", no_wrap=True)
    table.add_column("記録", justify="right", no_wrap=True)
    table.add_column("団体", ratio=1)
    for r in result.rows:
        table.add_row(
            Text(r.label),
            Text(f"{r.count} {r.unit}"),
            Text(f"{r.entries}件"),
            Text("、".join(r.organisations) or "—"),
        )
    return table


class SummaryScreen(Seam, Screen[None]):
    CSS_PATH = "summary.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "period", "週/月", id="summary.period"),
        Binding("left_square_bracket", "step(-1)", "前", id="summary.prev"),
        Binding("right_square_bracket", "step(1)", "次", id="summary.next"),
        Binding("m", "mine", "自分/全員", id="summary.mine"),
        Binding("escape", "close", i18n.KEY_CANCEL, id="summary.close"),
    ]

    def __init__(self, ctx: Context, plan: Plan, day: dt.date) -> None:
        super().__init__()
        self.ctx = ctx
        self.plan = plan
        self.day = day
        self.period = "week"
        self.mine = False  # only the settings' coordinator's entries

    def compose(self) -> ComposeResult:
        yield Static(i18n.SUMMARY_TITLE, id="summary-title")
        yield Static("", id="summary-head")
        with VerticalScroll(id="summary-body"):
            yield Static("", id="summary-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        name = settings.load().coordinator if self.mine else None
        result = summarize(self.plan, self.period, self.day, coordinator=name or None)
        head = i18n.SUMMARY_HEAD.format(title=result.title, n=result.entries)
        self.query_one("#summary-head", Static).update(Text(head))
        body = self.query_one("#summary-table", Static)
        body.update(summary_table(result) if result.rows else Text(i18n.SUMMARY_EMPTY))

    def action_period(self) -> None:
        self.period = "month" if self.period == "week" else "week"
        self.show()

    def action_step(self, step: int) -> None:
        if self.period == "week":
            self.day += dt.timedelta(days=7 * step)
        else:
            first = self.day.replace(day=1)
            if step > 0:
                self.day = (first + dt.timedelta(days=32)).replace(day=1)
            else:
                self.day = (first - dt.timedelta(days=1)).replace(day=1)
        self.show()

    def action_mine(self) -> None:
        if not settings.load().coordinator:
            self.notify("自分の記録だけを見るには、設定 (s) で名前を入れてください")
            return
        self.mine = not self.mine
        self.show()

    def action_close(self) -> None:
        self.dismiss(None)
