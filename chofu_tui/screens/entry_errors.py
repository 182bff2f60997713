"""The entry form's errors: which field each is about, in the app's words (never a CLI flag).

The services word their errors for the command line (「団体名 (--org) が必要です」); the form
shows them beside fields. An error's own `field` (an EntryDraft field name) is used when the
service gives one; until then the field is read from the message's words.
"""

from __future__ import annotations

import re

from chofu_tui.errors import UserError

# Field keys: the widget ids of the form. The service's names (EntryDraft fields) map onto them.
DRAFT_FIELDS = {
    "targets": "targets",
    "date": "date",
    "area": "area",
    "count": "count",
    "organisation": "org",
    "org": "org",
    "case_code": "case",
    "case": "case",
    "coordinator": "coord",
    "coord": "coord",
    "note": "note",
}
# Until the service names the field of its errors, the field is read from the message.
MESSAGE_FIELDS = (
    ("org", ("団体名",)),
    ("date", ("日付",)),
    ("area", ("圏域",)),
    ("count", ("回数",)),
    ("case", ("ケースコード",)),
    ("note", ("メモ",)),
    ("coord", ("記録者", "名前")),
    ("targets", ("目標",)),
)
# Command-line flags in a service message, as the form calls the field.
FLAG_NAMES = {
    "org": "団体名",
    "date": "日付",
    "area": "圏域",
    "count": "回数",
    "case": "ケースコード",
    "coordinator": "記録者",
    "note": "メモ",
}
_FLAG_THEN_NAME = re.compile(r"--[a-z][a-z-]*\s*\(([^)]+)\)\s*")  # 「--org (団体名) 付きで」
_NAME_THEN_FLAG = re.compile(r"\s*\(--[a-z][a-z-]*\)\s*")  # 「団体名 (--org) が必要です」
_FLAG = re.compile(r"--([a-z][a-z-]*)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|「[^」]*」|\([^)]*\)")


class FieldError(UserError):
    """A form check that names the field it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def for_app(message: str) -> str:
    """A service message without command-line flags: the app has fields, not options."""
    message = _FLAG_THEN_NAME.sub(r"\1", message)
    message = _NAME_THEN_FLAG.sub("", message)
    return _FLAG.sub(lambda m: FLAG_NAMES.get(m.group(1), ""), message)


def field_of(exc: UserError) -> str | None:
    """The form field an error is about: the error's own `field`, else read from its words.

    Quoted and bracketed parts are skipped (they hold what was typed, or a target's label),
    and the first field named in what is left wins: 「圏域 '日付' がありません」 is about 圏域.
    """
    named = getattr(exc, "field", None)
    if isinstance(named, str):
        return DRAFT_FIELDS.get(named)
    words = _QUOTED.sub(" ", exc.message)
    found = [(words.find(w), key) for key, ws in MESSAGE_FIELDS for w in ws if w in words]
    return min(found)[1] if found else None
