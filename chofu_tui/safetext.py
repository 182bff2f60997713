"""User text is data: the one place that decides which characters may be stored or shown.

Free text (notes, organisation and coordinator names) may arrive with terminal escape codes or
other control characters (a paste, a script, another laptop's store). They are removed before
storing, and again before anything is written to a terminal or a file, for rows stored before.
"""

from __future__ import annotations

import re

# Whole terminal escape sequences first, so no visible debris ("[2J", "]0;title") is left:
# CSI (ESC [ or U+009B, parameters, one final byte), OSC/DCS/APC/PM/SOS strings up to BEL or
# ST, and two-character escapes (ESC and one more).
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x7e]?"
)
# C0 and C1 controls and DEL, plus bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_controls(text: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROLS_KEEP_LINES if multiline else _CONTROLS
    return pattern.search(text.replace("\r\n", "\n")) is not None


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """`text` without control characters; a multi-line text keeps newline and tab (CRLF -> LF)."""
    text = _SEQUENCES.sub("", text)
    if multiline:
        return _CONTROLS_KEEP_LINES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """For a single terminal line: line breaks and tabs become spaces, other controls go."""
    return _CONTROLS.sub("", re.sub(r"[\t\r\n]+", " ", _SEQUENCES.sub("", text)))


# Spreadsheet programs evaluate a cell that starts with one of these (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """User text for a CSV cell: never a formula when Excel opens the file."""
    return "'" + text if text.startswith(_FORMULA_START) else text
