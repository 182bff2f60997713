"""The seam between the app and its screens, in one place.

- `YearApp` is what a screen may use of the app, typed: the context (`ctx`), the year's
  figures (`view`), `reload()` after a write, and `report_error()`. `ChofuApp` is one.
- The app posts `YearLoaded` to the screens on top when new figures are in; a screen that
  comes back to the front catches up on its own (`on_screen_resume`).
- Workers: a thread worker returns its result by posting a message to its screen; the handler
  updates the widgets. A worker never catches what it cannot explain: an exception ends the
  worker, and `Seam.on_worker_state_changed` shows it as a notification (a store error's
  Japanese message, or what went wrong) while the app stays up.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from chofu_tui.services.year_view import YearView, error_message
from chofu_tui.widgets.header import AppHeader, NoPlanBanner

if TYPE_CHECKING:
    from chofu_tui.context import Context
    from chofu_tui.plan import ProgramArea
    from chofu_tui.services.entries import Saved


class YearLoaded(Message):
    """The shown year's figures were (re)loaded: `view` is what screens show now."""

    def __init__(self, view: YearView) -> None:
        super().__init__()
        self.view = view


class YearShown(Message):
    """A screen has put `view` on screen (figures, or the no-plan banner). Bubbles to the app:
    tests and the start-up benchmark wait for it; the app needs nothing from it."""

    def __init__(self, view: YearView) -> None:
        super().__init__()
        self.view = view


class YearApp(App[None]):
    """What screens may use of the app. The implementation is `chofu_tui.app.ChofuApp`."""

    ctx: Context
    view: YearView | None = None
    demo: bool = False
    # The program areas keys 1-9 open (the last plan shown), in plan order.
    program_areas: tuple[ProgramArea, ...] = ()

    @property
    def as_of(self) -> dt.date:
        return self.view.as_of if self.view else self.ctx.today()

    def reload(self, saved: Saved | None = None) -> None:
        """Load the shown year again (after a write); screens get `YearLoaded`."""
        raise NotImplementedError

    def app_bindings(self) -> list[Binding]:
        """The app's keys as they are now (keys 1-9: the shown plan's program areas only),
        for the help and the command palette."""
        shown = []
        for binding in self.BINDINGS:  # our own keys, in their order (not Textual's ctrl+q)
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.action.startswith("program("):
                if int(binding.key) > len(self.program_areas):
                    continue
                binding = self._bindings.key_to_bindings[binding.key][0]  # named from the plan
            shown.append(binding)
        return shown

    def report_error(self, exc: BaseException) -> None:
        """The one error policy: every failure is said, in Japanese, and the app stays up."""
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not ours to keep
            raise exc
        self.log.error(f"{type(exc).__name__}: {exc}")
        self.notify(error_message(exc), severity="error", timeout=10)


def year_app(node: Any) -> YearApp:
    """The running app as a `YearApp` (a screen used outside it is a programming error)."""
    app = node.app
    if not isinstance(app, YearApp):
        raise TypeError(f"{type(node).__name__} runs only inside a YearApp, not {type(app)}")
    return app


class Seam:
    """Mixed into every screen and dialog of the app: its typed app, and the error policy
    for its workers."""

    @property
    def chofu(self) -> YearApp:
        return year_app(self)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            year_app(self).report_error(event.worker.error)


class YearScreen(Seam, Screen[None]):
    """A screen showing the app's fiscal year; `show_view` runs whenever its figures change."""

    BINDINGS = [Binding("escape", "leave_field", show=False)]  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()
        self._shown: YearView | None = None

    @property
    def view(self) -> YearView | None:
        """The figures the app holds now (None until the first load)."""
        return self.chofu.view

    def action_leave_field(self) -> None:
        """Escape out of a text field, so that the single-letter keys work again."""
        if isinstance(self.focused, Input):
            self.set_focus(None)

    def on_mount(self) -> None:
        self._catch_up()

    def on_screen_resume(self) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        view = self.chofu.view
        if view is not None and view is not self._shown:
            self._on_view(view)

    def on_year_loaded(self, message: YearLoaded) -> None:
        if message.view is not self._shown:
            self._on_view(message.view)

    def _on_view(self, view: YearView) -> None:
        self._shown = view
        for header in self.query(AppHeader):
            header.show(view)
        if view.plan is None:
            latest = self.chofu.ctx.catalog.latest()
            for banner in self.query(NoPlanBanner):
                banner.show(view, latest.label if latest else None)
        else:
            for banner in self.query(NoPlanBanner):
                banner.show(view, None)
        self.show_view(view)

    def show_view(self, view: YearView) -> None:
        """Override: put the year's figures on screen."""
