"""The top line of every screen (year, as-of date, plan file) and the no-plan banner."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Static

from chofu_tui import i18n
from chofu_tui.fiscal import wareki_date
from chofu_tui.safetext import one_line
from chofu_tui.services.year_view import YearView


def header_text(view: YearView | None, screen_title: str, demo: bool, width: int = 0) -> str:
    if view is None:
        return f"{screen_title}  {i18n.LOADING}"
    parts = [view.fy.label, f"{i18n.AS_OF} {wareki_date(view.as_of)}"]
    if view.loaded is not None:
        where = f" ({i18n.BUNDLED})" if view.loaded.bundled else ""
        parts.append(f"{i18n.PLAN_FILE} {view.loaded.path.name}{where}")
    full = _join(screen_title, demo, parts)
    if not width or cell_len(full) <= width or view.loaded is None:
        return full
    # A narrow terminal: the same facts, shorter, so that the plan file stays in sight.
    day = wareki_date(view.as_of).split("年", 1)[1]  # 12月13日(金)
    return _join(screen_title, demo, [view.fy.label, f"{day}現在", view.loaded.path.name])


def _join(screen_title: str, demo: bool, parts: list[str]) -> str:
    head = f"{i18n.DEMO} | {screen_title}" if demo else screen_title  # first: never cut off
    return f"{head} | " + " | ".join(parts)


class AppHeader(Static):
    """No clock here: screenshots and snapshots must not change with the time of day."""

    def __init__(self, screen_title: str) -> None:
        # The plan file's name is the user's: shown literally, never as markup.
        super().__init__(header_text(None, screen_title, False), markup=False)
        self.screen_title = screen_title
        self._view: YearView | None = None

    def show(self, view: YearView | None) -> None:
        self._view = view
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        demo = getattr(self.app, "demo", False)
        self.update(one_line(header_text(self._view, self.screen_title, demo, self.size.width)))


class NoPlanBanner(Static):
    """Shown, instead of figures, for a year with no plan: never count into it silently."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)

    def show(self, view: YearView | None, latest_label: str | None) -> None:
        self.display = view is not None and view.plan is None
        if not self.display or view is None:
            return
        if latest_label is None:
            self.update(i18n.NO_PLAN_NONE)
            return
        self.update(
            i18n.NO_PLAN.format(fy=view.fy.label)
            + "\n"
            + i18n.NO_PLAN_OFFER.format(fy=view.fy.label, latest=latest_label)
        )
