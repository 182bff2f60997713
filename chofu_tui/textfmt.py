"""Plain-text tables for the terminal, aligned in cells so Japanese lines up."""

from __future__ import annotations

from rich.cells import cell_len


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * (width - cell_len(text))
    return gap + text if align == "r" else text + gap


def table(headers: list[str], rows: list[list[str]], align: str = "") -> str:
    widths = [cell_len(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_len(c)) for w, c in zip(widths, row, strict=True)]
    aligns = (align or "l" * len(headers)).ljust(len(headers), "l")
    lines = [
        "  ".join(_pad(c, w, a) for c, w, a in zip(row, widths, aligns, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fit(text: str, width: int, align: str = "l") -> str:
    """`text` cut or padded to exactly `width` cells (a cut ends in ASCII '..', not '…')."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        out = ""
        for ch in text:
            if cell_len(out + ch) > width - 2:
                break
            out += ch
        text = out + ".."[: width - cell_len(out)]
    return _pad(text, width, align)


def clip(text: str, width: int) -> str:
    """`text` cut to at most `width` cells (no padding)."""
    return fit(text, width).rstrip() if cell_len(text) > width else text
