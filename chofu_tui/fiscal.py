"""The Japanese fiscal year (年度: 1 April to 31 March) and 令和 labels."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

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
        if m := re.fullmatch(r"(\d{4})", s):
            year = int(m.group(1))
        elif m := re.fullmatch(r"(?:[Rr]|令和)\s*(\d{1,2}|元)", s):
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

    @property
    def short(self) -> str:
        return f"R{self.reiwa}"

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


def month_index(day: dt.date) -> int:
    """0 for April .. 11 for March."""
    return (day.month - 4) % 12


def wareki_date(day: dt.date) -> str:
    """令和6年4月1日(月)."""
    n = day.year - REIWA_OFFSET
    era = "元" if n == 1 else str(n)
    return f"令和{era}年{day.month}月{day.day}日({_WEEKDAYS[day.weekday()]})"


def parse_date(text: str) -> dt.date:
    """An ISO date (2024-04-01); full-width digits are accepted."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            raise ValueError
        return dt.date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"日付 {text!r} が正しくありません (例: 2024-04-01)") from None
