"""What every year screen shares: the header, the banner and a subscription to new figures."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from chofu_tui.services.dashboard import YearView
from chofu_tui.widgets.header import AppHeader, NoPlanBanner


class YearScreen(Screen):
    """A screen showing the app's fiscal year; `show_view` runs whenever its figures change."""

    BINDINGS = [Binding("escape", "leave_field", show=False)]  # noqa: RUF012

    def action_leave_field(self) -> None:
        """Escape out of a text field, so that the single-letter keys work again."""
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def on_mount(self) -> None:
        self.app.data.subscribe(self, self._on_view, immediate=True)  # type: ignore[attr-defined]
        view = self.app.view  # type: ignore[attr-defined]
        if view is not None:
            self._on_view(view)

    def _on_view(self, view: YearView) -> None:
        for header in self.query(AppHeader):
            header.show(view)
        latest = self.app.ctx.catalog.latest()  # type: ignore[attr-defined]
        for banner in self.query(NoPlanBanner):
            banner.show(view, latest.label if latest else None)
        self.show_view(view)

    def show_view(self, view: YearView) -> None:
        """Override: put the year's figures on screen."""
