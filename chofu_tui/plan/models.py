"""The annual plan (事業計画) as frozen dataclasses. No Textual, no peewee, and no pydantic:
pydantic validates plan files (plan/validate.py) but is not needed to use a plan, so a start
that finds the plan already validated (plan/cache.py) does not pay for importing it.

Field constraints are `annotated_types` markers, which pydantic enforces and puts into the
JSON Schema; the checks across fields are `__post_init__` methods (a ValueError there becomes
a validation error naming the field path). Unknown keys are errors (`extra: forbid`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from annotated_types import Ge, Le, Len, MinLen

from chofu_tui.fiscal import FiscalYear

# pydantic reads this from each class: unknown keys are errors, docstrings describe fields.
_CONFIG: dict[str, Any] = {"extra": "forbid", "use_attribute_docstrings": True}
_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_INITIATIVE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A program area's id: I, II, III in Chofu's plan; another council's plan names its own.
_PROGRAM_AREA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Keys 1-9 of the app open the program areas, in plan order.
MAX_PROGRAM_AREAS = 9
MAX_AREAS = 30
MAX_SHORT = 20  # characters of a short label (略称)

Text = Annotated[str, MinLen(1)]


def _check_id(value: str, pattern: re.Pattern[str], what: str) -> None:
    if not pattern.match(value) or len(value) > 64:
        raise ValueError(f"{what} {value!r} は英小文字・数字・ハイフンで書いてください")


class TargetKind(StrEnum):
    COUNT = "count"  # sum of the counts of entries logged to the target
    DISTINCT = "distinct"  # distinct organisations among the entries of `source`
    PER_AREA = "per_area"  # areas with at least `per_area_min` entries


@dataclass(frozen=True)
class Target:
    """A numeric target (量的目標)."""

    __pydantic_config__ = _CONFIG

    id: Text
    """The stable id typed on the command line (awareness, community-approach, ...)."""
    label: Text
    target: Annotated[int, Ge(0)]
    """量的目標 (for per_area: the number of areas)."""
    unit: Text
    """回, 件, 箇所, 団体 ..."""
    kind: TargetKind = TargetKind.COUNT
    source: str | None = None
    """For kind=distinct: the target whose entries are counted."""
    per_area_min: Annotated[int, Ge(1)] | None = None
    """For kind=per_area: the entries an area needs to count."""
    short: Annotated[str, Len(1, MAX_SHORT)] | None = None
    """略称: 80 桁の画面と一覧で label の代わりに出す短い名前 (省略時はプログラムが作ります)."""
    aliases: Annotated[tuple[Annotated[str, Len(1, 40)], ...], Len(0, 20)] = ()
    """検索語: 入力画面とコマンド (add 世帯 など) でこの目標を見つける言葉."""

    def __post_init__(self) -> None:
        _check_id(self.id, _ID, "目標 id")
        if self.kind is TargetKind.DISTINCT and not self.source:
            raise ValueError("kind=distinct には source (数える元の目標 id) が必要です")
        if self.kind is not TargetKind.DISTINCT and self.source:
            raise ValueError("source は kind=distinct の目標にだけ書けます")
        if self.kind is TargetKind.PER_AREA and self.per_area_min is None:
            raise ValueError("kind=per_area には per_area_min が必要です")
        if self.kind is not TargetKind.PER_AREA and self.per_area_min is not None:
            raise ValueError("per_area_min は kind=per_area の目標にだけ書けます")
        if self.short is not None and not self.short.strip():
            raise ValueError("short (略称) を空白だけにはできません")
        if any(not a.strip() for a in self.aliases):
            raise ValueError("aliases (検索語) に空白だけの語は書けません")

    @property
    def loggable(self) -> bool:
        """Entries are logged to count and per_area targets; distinct ones are derived."""
        return self.kind is not TargetKind.DISTINCT


@dataclass(frozen=True)
class Initiative:
    """An initiative (取組) with its texts and targets."""

    __pydantic_config__ = _CONFIG

    id: str
    heading: Text
    """取組 (e.g. アウトリーチ等を通じた継続的支援の取組)."""
    title: Text
    """(1) 地域住民の相談を包括的に受け止める場の整備."""
    content: Text
    """ア 事業内容."""
    expected_effect: Text
    """イ 期待される効果."""
    qualitative_goal: Text
    """②質的目標."""
    targets: Annotated[tuple[Target, ...], MinLen(1)]
    quantitative_note: str = ""
    """①量的目標 に添えられた説明."""
    subsidy: bool = False
    """※ 生活困窮者等の支援に向けた地域づくり事業 の対象."""

    def __post_init__(self) -> None:
        _check_id(self.id, _INITIATIVE_ID, "取組 id")


@dataclass(frozen=True)
class ProgramArea:
    """A program area (Ⅰ 相談支援, Ⅱ 参加支援, Ⅲ 地域づくりに向けた支援)."""

    __pydantic_config__ = _CONFIG

    id: Annotated[str, Len(1, 16)]
    """分野の id (I, II, III など。英数字・ハイフン・下線)."""
    numeral: Text
    """Ⅰ, Ⅱ, Ⅲ (見出しで名前の前に付く記号)."""
    name: Text
    """相談支援, 参加支援, ..."""
    initiatives: Annotated[tuple[Initiative, ...], MinLen(1)]
    overview: str = ""
    """取組の概要."""
    short_name: Annotated[str, Len(1, 12)] | None = None
    """キー一覧とヘルプで数字キーに添える短い名前 (省略時は name)."""

    def __post_init__(self) -> None:
        if not _PROGRAM_AREA_ID.match(self.id):
            raise ValueError(
                f"分野 id {self.id!r} は英数字・ハイフン・下線で書いてください (例: I, II, soudan)"
            )

    @property
    def title(self) -> str:
        return f"{self.numeral} {self.name}"

    @property
    def key_name(self) -> str:
        """What the key bar, the help and the command palette call this program area."""
        return self.short_name or self.name

    @property
    def short_title(self) -> str:
        """The header's name for it: short, so the header keeps the plan file at 80 columns."""
        return f"{self.numeral} {self.key_name}"


@dataclass(frozen=True)
class Area:
    """A welfare area (福祉圏域)."""

    __pydantic_config__ = _CONFIG

    no: Annotated[int, Ge(1), Le(99)]
    name: Text


@dataclass(frozen=True)
class Coordinator:
    """A coordinator of the roster (editable data, not code)."""

    __pydantic_config__ = _CONFIG

    name: Text
    area: int | None = None


@dataclass(frozen=True)
class Plan:
    """One fiscal year's plan (plan-YYYY.toml)."""

    __pydantic_config__ = _CONFIG

    fiscal_year: Annotated[int, Ge(2019), Le(2100)]
    """西暦の年度 (令和6年度 = 2024)."""
    title: Text
    areas: Annotated[tuple[Area, ...], Len(1, MAX_AREAS)]
    """福祉圏域 (1〜30)."""
    program_areas: Annotated[tuple[ProgramArea, ...], Len(1, MAX_PROGRAM_AREAS)]
    """分野 (1〜9)。アプリでは計画の順に数字キー 1〜9 で開きます."""
    issued: dt.date | None = None
    issuer: tuple[str, ...] = ()
    """発行者 (例: 調布市福祉健康部福祉総務課, 調布市社会福祉協議会)."""
    report_author: str | None = None
    """実績報告の「作成」(報告する団体)。省略時は issuer の最後 (社会福祉協議会)."""
    report_recipient: str | None = None
    """実績報告の「提出先」(市の担当課)。省略時は issuer が2つ以上なら最初."""
    staffing: Annotated[int, Ge(0)] | None = None
    """配置人数 (roster, not a target)."""
    subsidy_program: str = "生活困窮者等の支援に向けた地域づくり事業"
    coordinators: Annotated[tuple[Coordinator, ...], Len(0, 200)] = ()
    case_code_pattern: Annotated[str, Len(1, 200)] | None = None
    """ケースコードの形 (Python の正規表現、全体に一致)。省略時は英字1〜3文字・ハイフン (省略可)・
    数字1〜5桁 (C1024、C-0012、AB-123)。照合の前に全角は半角に、英字は大文字にそろえます。"""
    allocation: dict[str, dict[str, Annotated[int, Ge(0)]]] = field(default_factory=dict)
    """圏域ごとの割り当て: 目標 id ごとに 圏域番号 = 値 ([allocation.awareness] "1" = 100)。
    書かれていない目標・圏域は 目標値 ÷ 圏域の数 (切り上げ) が担当分になります."""

    def __post_init__(self) -> None:
        if self.case_code_pattern is not None:
            try:
                re.compile(self.case_code_pattern)
            except re.error as exc:
                raise ValueError(
                    f"case_code_pattern {self.case_code_pattern!r} は正規表現として読めません: {exc}"
                ) from None
        seen: set[str] = set()
        shorts: dict[str, str] = {}
        for t in self.targets():
            if t.id in seen:
                raise ValueError(f"目標 id {t.id!r} が重複しています")
            seen.add(t.id)
            if t.short is not None:
                # two targets must never read the same on a screen
                if t.short in shorts:
                    raise ValueError(
                        f"目標 {t.id!r} の short {t.short!r} は {shorts[t.short]!r} と同じです"
                    )
                shorts[t.short] = t.id
        by_id = {t.id: t for t in self.targets()}
        for t in self.targets():
            if t.kind is TargetKind.DISTINCT:
                src = by_id.get(t.source or "")
                if src is None:
                    raise ValueError(f"目標 {t.id!r} の source {t.source!r} がありません")
                if src.kind is not TargetKind.COUNT:
                    raise ValueError(f"目標 {t.id!r} の source は kind=count の目標にしてください")
            if t.kind is TargetKind.PER_AREA and t.target > len(self.areas):
                raise ValueError(
                    f"目標 {t.id!r} の目標値が圏域の数 ({len(self.areas)}) を超えています"
                )
        pa_ids = [pa.id for pa in self.program_areas]
        if len(set(pa_ids)) != len(pa_ids):
            raise ValueError("分野 id が重複しています")
        nos = [a.no for a in self.areas]
        if len(set(nos)) != len(nos):
            raise ValueError("圏域の番号が重複しています")
        known = set(nos)
        for tid, by_area in self.allocation.items():
            if tid not in by_id:
                raise ValueError(f"allocation の目標 {tid!r} がありません")
            for no in by_area:
                if not no.isdigit() or int(no) not in known:
                    raise ValueError(f"allocation.{tid} の圏域 {no!r} がありません")
        for c in self.coordinators:
            if c.area is not None and c.area not in known:
                raise ValueError(f"コーディネーター {c.name} の圏域 {c.area} がありません")

    @property
    def author(self) -> str:
        """Who makes the report: report_author, else the last issuer (the council)."""
        return self.report_author or (self.issuer[-1] if self.issuer else "")

    @property
    def recipient(self) -> str:
        """Whom the report goes to: report_recipient, else the first of two issuers (the city)."""
        return self.report_recipient or (self.issuer[0] if len(self.issuer) > 1 else "")

    @property
    def fy(self) -> FiscalYear:
        return FiscalYear(self.fiscal_year)

    def targets(self) -> list[Target]:
        return [t for pa in self.program_areas for i in pa.initiatives for t in i.targets]

    def target(self, target_id: str) -> Target | None:
        return next((t for t in self.targets() if t.id == target_id), None)

    def initiative_of(self, target_id: str) -> tuple[ProgramArea, Initiative]:
        for pa in self.program_areas:
            for ini in pa.initiatives:
                if any(t.id == target_id for t in ini.targets):
                    return pa, ini
        raise KeyError(target_id)

    def area(self, no: int) -> Area | None:
        return next((a for a in self.areas if a.no == no), None)
