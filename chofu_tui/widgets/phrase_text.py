"""Japanese text wrapped by phrase (文節), with kinsoku: no line starts with 、。」） or ー.

Phrases come from budoux (a small, dependency-free segmenter from PyPI), loaded the first
time a text is wrapped, so start-up does not pay for it. Without budoux, characters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

# Characters a line must not start with (行頭禁則).
NO_LINE_START = frozenset(
    "、。，．,.」』）)］】〕〉》ー・：；？！?!ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ々"
)


@cache
def _parser() -> Callable[[str], list[str]]:
    try:
        import budoux  # loaded on first use: not at start-up
    except ImportError:  # pragma: no cover - budoux is a dependency; characters then
        return list
    parse: Callable[[str], list[str]] = budoux.load_default_japanese_parser().parse
    return parse


def phrases(text: str) -> list[str]:
    return _parser()(text) if text else []


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between phrases where a phrase fits,
    and never with a line that starts with a character of NO_LINE_START."""
    width = max(width, 4)
    lines: list[str] = []
    cur = ""
    for ph in phrases(text):
        if cell_len(cur + ph) <= width:
            cur += ph
            continue
        if cur and cell_len(ph) <= width:
            lines.append(cur)
            cur = ph
            continue
        for ch in ph:  # a phrase longer than the line: by characters
            if cur and cell_len(cur + ch) > width:
                lines.append(cur)
                cur = ""
            cur += ch
    if cur:
        lines.append(cur)
    return _kinsoku(lines, width)


def _kinsoku(lines: list[str], width: int) -> list[str]:
    """A line starting with 、。」） etc. takes the previous line's last character with it
    (追い出し); what no longer fits moves on to the next line, checked in turn."""
    i = 1
    while i < len(lines):
        line = lines[i]
        while line and line[0] in NO_LINE_START and len(lines[i - 1]) > 1:
            line = lines[i - 1][-1] + line
            lines[i - 1] = lines[i - 1][:-1]
        spill = ""
        while cell_len(line) > width and len(line) > 1:
            spill = line[-1] + spill
            line = line[:-1]
        lines[i] = line
        if spill:
            if i + 1 < len(lines):
                lines[i + 1] = spill + lines[i + 1]
            else:
                lines.append(spill)
        i += 1
    return lines


class PhraseText(Widget):
    """A bold 【heading】 and plan text, wrapped by phrase at the widget's width."""

    DEFAULT_CSS = "PhraseText { height: auto; }"

    def __init__(self, heading: str, text: str, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.heading = heading
        self.text = text

    def lines(self, width: int) -> list[str]:
        return wrap(self.heading + self.text, width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        # Plan text is the user's file: shown literally, never parsed as markup.
        text = Text("\n".join(self.lines(self.size.width or 80)), no_wrap=True)
        text.stylize("bold", 0, len(self.heading))
        return text
