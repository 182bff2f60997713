"""Pydantic models of an annual plan file (事業計画). No Textual, no peewee."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chofu_tui.fiscal import FiscalYear

TargetId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", min_length=1, max_length=64)]


class _Strict(BaseModel):
    # Unknown keys are errors: a typo in a plan file must not silently drop a target.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetKind(StrEnum):
    COUNT = "count"  # sum of the counts of entries logged to the target
    DISTINCT = "distinct"  # distinct organisations among the entries of `source`
    PER_AREA = "per_area"  # areas with at least `per_area_min` entries


class Target(_Strict):
    id: TargetId
    label: str = Field(min_length=1)
    target: int = Field(ge=0, description="量的目標 (for per_area: the number of areas)")
    unit: str = Field(min_length=1, description="回, 件, 箇所, 団体 ...")
    kind: TargetKind = TargetKind.COUNT
    source: TargetId | None = Field(
        default=None, description="for kind=distinct: the target whose entries are counted"
    )
    per_area_min: int | None = Field(
        default=None, ge=1, description="for kind=per_area: entries an area needs to count"
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> Target:
        if self.kind is TargetKind.DISTINCT and not self.source:
            raise ValueError("kind=distinct には source (数える元の目標 id) が必要です")
        if self.kind is not TargetKind.DISTINCT and self.source:
            raise ValueError("source は kind=distinct の目標にだけ書けます")
        if self.kind is TargetKind.PER_AREA and self.per_area_min is None:
            raise ValueError("kind=per_area には per_area_min が必要です")
        if self.kind is not TargetKind.PER_AREA and self.per_area_min is not None:
            raise ValueError("per_area_min は kind=per_area の目標にだけ書けます")
        return self

    @property
    def loggable(self) -> bool:
        """Entries are logged to count and per_area targets; distinct ones are derived."""
        return self.kind is not TargetKind.DISTINCT


class Initiative(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    heading: str = Field(
        min_length=1, description="取組 (e.g. アウトリーチ等を通じた継続的支援の取組)"
    )
    title: str = Field(min_length=1, description="(1) 地域住民の相談を包括的に受け止める場の整備")
    content: str = Field(min_length=1, description="ア 事業内容")
    expected_effect: str = Field(min_length=1, description="イ 期待される効果")
    qualitative_goal: str = Field(min_length=1, description="②質的目標")
    quantitative_note: str = Field(default="", description="①量的目標 に添えられた説明")
    subsidy: bool = Field(
        default=False, description="※ 生活困窮者等の支援に向けた地域づくり事業 の対象"
    )
    targets: tuple[Target, ...] = Field(min_length=1)


class ProgramArea(_Strict):
    id: str = Field(pattern=r"^(I|II|III)$")
    numeral: str = Field(min_length=1, description="Ⅰ, Ⅱ, Ⅲ")
    name: str = Field(min_length=1, description="相談支援, 参加支援, ...")
    overview: str = Field(default="", description="取組の概要")
    initiatives: tuple[Initiative, ...] = Field(min_length=1)

    @property
    def title(self) -> str:
        return f"{self.numeral} {self.name}"


class Area(_Strict):
    no: int = Field(ge=1, le=99)
    name: str = Field(min_length=1)


class Coordinator(_Strict):
    name: str = Field(min_length=1)
    area: int | None = None


class Plan(_Strict):
    fiscal_year: int = Field(ge=2019, le=2100, description="西暦の年度 (令和6年度 = 2024)")
    title: str = Field(min_length=1)
    issued: dt.date | None = None
    issuer: tuple[str, ...] = ()
    staffing: int | None = Field(default=None, ge=0, description="配置人数 (roster, not a target)")
    subsidy_program: str = "生活困窮者等の支援に向けた地域づくり事業"
    areas: tuple[Area, ...] = Field(min_length=1)
    coordinators: tuple[Coordinator, ...] = ()
    program_areas: tuple[ProgramArea, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        seen: set[str] = set()
        for t in self.targets():
            if t.id in seen:
                raise ValueError(f"目標 id {t.id!r} が重複しています")
            seen.add(t.id)
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
        nos = [a.no for a in self.areas]
        if len(set(nos)) != len(nos):
            raise ValueError("圏域の番号が重複しています")
        known = set(nos)
        for c in self.coordinators:
            if c.area is not None and c.area not in known:
                raise ValueError(f"コーディネーター {c.name} の圏域 {c.area} がありません")
        return self

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
