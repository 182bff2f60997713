"""The key bar at the bottom of every screen: what can be pressed now, in one widget.

Textual's Footer builds a widget per key; with this app's sixteen keys that cost about a
fifth of a second at every start and screen switch. This draws the same information (the
screen's active bindings, dimmed when unavailable) as one line of text, and a click on a
key runs its action, as in the Footer.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, int, str, DOMNode]] = []  # what a click runs

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh(layout=True)  # the number of lines can change

    @property
    def keys(self) -> list[tuple[str, str, bool]]:
        """(key, description, enabled) of every key shown, in order (tests read this)."""
        return [(key, desc, enabled) for key, desc, enabled, _a, _n in self._shown_keys()]

    def _shown_keys(self) -> list[tuple[str, str, bool, str, DOMNode]]:
        out: list[tuple[str, str, bool, str, DOMNode]] = []
        seen: set[str] = set()
        for node, binding, enabled, _tip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                key = self.app.get_key_display(binding)
                out.append((key, binding.description, enabled, binding.action, node))
        return out

    def _lines(self, width: int) -> list[list[tuple[str, str, bool, str, DOMNode]]]:
        """The keys laid out in lines of `width` cells, never breaking inside a key."""
        lines: list[list[tuple[str, str, bool, str, DOMNode]]] = [[]]
        used = 0
        for item in self._shown_keys():
            cells = cell_len(f" {item[0]} {item[1]} ")
            if lines[-1] and used + cells > width:
                lines.append([])
                used = 0
            lines[-1].append(item)
            used += cells
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Every key is shown: on a narrow terminal the bar takes a second (or third) line.
        return min(3, len(self._lines(width or container.width)))

    def render(self) -> Text:
        accent = self.app.theme_variables.get("footer-key-foreground", "#ffa62b")
        key_style = Style.parse(f"bold {accent}")
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, int, str, DOMNode]] = []
        for row, line in enumerate(self._lines(self.size.width or 80)):
            if row:
                text.append("\n")
            x = 0
            for key, desc, enabled, action, node in line:
                text.append(f" {key}", style=key_style if enabled else "dim")
                text.append(f" {desc} ", style="" if enabled else "dim")
                end = x + cell_len(f" {key} {desc} ")
                if enabled:
                    spans.append((row, x, end, action, node))
                x = end
        self._spans = spans
        return text

    async def on_click(self, event: events.Click) -> None:
        for row, start, end, action, node in self._spans:
            if row == event.y and start <= event.x < end:
                await self.app.run_action(action, node)
                return
