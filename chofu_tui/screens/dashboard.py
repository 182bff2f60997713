"""The dashboard: every target of the year, grouped by program area, with its live counter."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.plan import Plan
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import YearScreen, YearShown
from chofu_tui.services.progress import Status
from chofu_tui.services.year_view import YearView
from chofu_tui.widgets.header import AppHeader, NoPlanBanner
from chofu_tui.widgets.keybar import KeyBar
from chofu_tui.widgets.target_row import STATUS_STYLE, TargetRow


def scope_label(view: YearView) -> str:
    """Which scope the figures are in: 全体, 担当圏域 N 名前 or 記録者 名前 (t changes it)."""
    prog = view.progress
    if prog is None or (prog.area is None and not prog.coordinator):
        return "全体"
    if prog.area is not None:
        area = prog.plan.area(prog.area)
        return f"担当圏域 {prog.area} {area.name if area else ''}".rstrip()
    return f"記録者 {prog.coordinator}"


def summary(view: YearView) -> Text:
    """How many targets are ahead, on pace and behind: the month-end question at a glance,
    after the scope they are judged in."""
    text = Text()
    if view.progress is None:
        return text
    text.append(one_line(i18n.SCOPE_LINE.format(scope=scope_label(view))), style="bold")
    text.append("  ")
    for status in Status:
        n = sum(1 for p in view.progress.targets if p.status is status)
        text.append(f"{status.label} {n}", style=STATUS_STYLE[status])
        text.append("  ")
    return text


class DashboardScreen(YearScreen):
    CSS_PATH = "dashboard.tcss"

    def __init__(self) -> None:
        super().__init__()
        self._plan: Plan | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader(i18n.KEY_DASHBOARD)
        yield NoPlanBanner(id="banner")
        yield Static("", id="summary")
        yield VerticalScroll(id="targets")
        yield KeyBar()

    def show_view(self, view: YearView) -> None:
        # A failure is shown by the screens' error policy (base.Seam), the app stays up.
        self.run_worker(self._fill(view), group="fill", exclusive=True, exit_on_error=False)

    async def _fill(self, view: YearView) -> None:
        box = self.query_one("#targets", VerticalScroll)
        if view.plan is not self._plan:
            self._plan = view.plan
            await box.remove_children()
            if view.plan is not None:
                widgets: list[Static | TargetRow] = []
                for pa in view.plan.program_areas:
                    widgets.append(Static(pa.title, classes="pa-title"))
                    widgets.extend(
                        TargetRow(t, focusable=False) for ini in pa.initiatives for t in ini.targets
                    )
                await box.mount_all(widgets)
        self.query_one("#summary", Static).update(summary(view))
        if view.progress is not None:
            for p in view.progress.targets:
                for row in box.query(f"#row-{p.target.id}").results(TargetRow):
                    row.show(p)
        # Everything there is to show is on screen now (figures, or the no-plan banner).
        self.call_after_refresh(self.post_message, YearShown(view))
