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
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str, DOMNode]] = []  # what a click on a key runs

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    @property
    def keys(self) -> list[tuple[str, str, bool]]:
        """(key, description, enabled) of every key shown, in order (tests read this)."""
        out: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                out.append((self.app.get_key_display(binding), binding.description, enabled))
        return out

    def render(self) -> Text:
        accent = self.app.theme_variables.get("footer-key-foreground", "#ffa62b")
        key_style = Style.parse(f"bold {accent}")
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str, DOMNode]] = []
        seen: set[str] = set()
        for node, binding, enabled, _tip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            start = cell_len(text.plain)
            text.append(
                f" {self.app.get_key_display(binding)}", style=key_style if enabled else "dim"
            )
            text.append(f" {binding.description} ", style="" if enabled else "dim")
            if enabled:
                spans.append((start, cell_len(text.plain), binding.action, node))
        self._spans = spans
        return text

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, node in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, node)
                return
