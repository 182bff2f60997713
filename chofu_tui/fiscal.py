"""The Japanese fiscal year (年度: 1 April to 31 March) and 令和 labels."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from chofu_tui.errors import UserError
from chofu_tui.safetext import one_line

REIWA_OFFSET = 2018  # 令和N年 = 2018 + N (令和元年 = 2019)
_WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True, order=True)
class FiscalYear:
    """令和6年度 is FiscalYear(2024): 2024-04-01 .. 2025-03-31."""

    year: int

    @classmethod
    def of(cls, day: dt.date) -> FiscalYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> FiscalYear:
        """Accept 2024, R6, r6, 令和6, 令和6年度, 令和元年度 (full-width digits too)."""
        s = unicodedata.normalize("NFKC", str(text)).strip()
        s = s.removesuffix("年度").removesuffix("年")
        if m := re.fullmatch(r"([0-9]{4})", s):
            year = int(m.group(1))
        elif m := re.fullmatch(r"(?:[Rr]|令和)\s*([0-9]{1,2}|元)", s):
            n = 1 if m.group(1) == "元" else int(m.group(1))
            year = REIWA_OFFSET + n
        else:
            raise ValueError(f"年度 {text!r} を読めません (例: 2024, R6, 令和6)")
        if not 2019 <= year <= 2100:
            raise ValueError(f"年度 {text!r} は範囲外です (令和元年度 = 2019 以降)")
        return cls(year)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, 3, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def reiwa(self) -> int:
        return self.year - REIWA_OFFSET

    @property
    def label(self) -> str:
        n = self.reiwa
        return f"令和{'元' if n == 1 else n}年度"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[tuple[int, int]]:
        """(year, month) pairs from 4月 to 3月."""
        return [(self.year + (m < 4), m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]

    def elapsed_fraction(self, as_of: dt.date) -> float:
        """Share of the year gone by the end of `as_of` (0 before it starts, 1 after it ends)."""
        if as_of < self.start:
            return 0.0
        if as_of >= self.end:
            return 1.0
        return ((as_of - self.start).days + 1) / self.days

    def __str__(self) -> str:
        return self.label


def wareki_date(day: dt.date) -> str:
    """令和6年4月1日(月)."""
    n = day.year - REIWA_OFFSET
    era = "元" if n == 1 else str(n)
    return f"令和{era}年{day.month}月{day.day}日({_WEEKDAYS[day.weekday()]})"


class DateError(UserError, ValueError):
    """A date that cannot be read: a UserError for the CLI and the app, a ValueError for callers
    that only want to know whether a text is a date."""


# Dashes people type for a date: hyphen, minus, en/em dash, katakana prolonged sound mark.
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"})
_EXAMPLES = "例: 2024-05-10、2024/5/10、5/10、令和6年5月10日、R6.5.10"
# re.ASCII: Arabic-Indic and other digits that NFKC leaves alone are not read as numbers.
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日?", re.ASCII)
_REIWA = re.compile(
    r"(?:令和|[Rr])\s*(\d{1,2}|元)(?:年(\d{1,2})月(\d{1,2})日?|([-/.])(\d{1,2})\4(\d{1,2}))",
    re.ASCII,
)
_MD = re.compile(r"(\d{1,2})/(\d{1,2})|(\d{1,2})月(\d{1,2})日?", re.ASCII)
# A weekday in brackets after the date, as wareki_date writes it: 令和6年5月10日(金).
_WEEKDAY = re.compile(r"\s*\(\s*[月火水木金土日]\s*\)$")


def parse_date(text: str, *, today: dt.date | None = None) -> dt.date:
    """The one date parser of the app and the command line.

    Accepts 2024-05-10, 2024/5/10, 2024.5.10, 2024年5月10日, 令和6年5月10日 (令和元年 too),
    R6.5.10, R6/5/10 and full-width forms; 5/10 or 5月10日 is the latest such day not after
    `today` (default: the computer's date). Raises DateError (a UserError) with a Japanese
    message. Whether the date may be used (not in the future, within range) is for the caller.
    """
    s = unicodedata.normalize("NFKC", str(text)).translate(_DASHES).strip()
    s = _WEEKDAY.sub("", s)
    shown = one_line(str(text).strip())[:40]
    if m := _YMD.fullmatch(s):
        y, mo, d = (m.group(1), m.group(3), m.group(4)) if m.group(1) else m.group(5, 6, 7)
        return _make(int(y), int(mo), int(d), shown)
    if m := _REIWA.fullmatch(s):
        n = 1 if m.group(1) == "元" else int(m.group(1))
        mo, d = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        if n < 1:
            raise DateError(f"日付「{shown}」が読めません ({_EXAMPLES})", "unreadable date")
        return _make(REIWA_OFFSET + n, int(mo), int(d), shown)
    if m := _MD.fullmatch(s):
        mo, d = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return _latest(int(mo), int(d), today or dt.date.today(), shown)
    raise DateError(f"日付「{shown}」が読めません ({_EXAMPLES})", "unreadable date")


def _make(year: int, month: int, day: int, shown: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError(
            f"日付「{shown}」はありません ({month}月{day}日は暦にない日です)", "no such date"
        ) from None


def _latest(month: int, day: int, today: dt.date, shown: str) -> dt.date:
    """The latest month/day not after `today` (2/29 looks back to the last leap year)."""
    _make(2000, month, day, shown)  # 2000 is a leap year: refuses only days no year has
    for year in range(today.year, today.year - 8, -1):
        try:
            found = dt.date(year, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    raise DateError(f"日付「{shown}」が読めません ({_EXAMPLES})", "unreadable date")
