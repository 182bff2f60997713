"""The 令和6年度 plan file (schema/plan-2024.toml) against the map in docs/domain.md.

The expected data is hard-coded here on purpose: a wrong edit of the TOML must fail.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from chofu_tui.plan.models import Plan, TargetKind
from chofu_tui.plan.validate import validate_plan

PLAN_FILE = Path(__file__).resolve().parents[2] / "schema" / "plan-2024.toml"

# id, label, target, unit, kind  (domain.md, "The numeric targets of 令和6年度")
EXPECTED_TARGETS: list[tuple[str, str, int, str, str]] = [
    ("outreach-approach", "団体等への働きかけ", 80, "回", "count"),
    ("outreach-place-study", "場の構築の検討", 16, "回", "count"),
    ("awareness", "啓発件数", 800, "回", "count"),
    (
        "network-meeting",
        "各圏域において、多機関によるネットワーク会議等を1回実施",
        8,
        "回",
        "per_area",
    ),
    ("liaison-meeting", "相談支援機関等との情報交換及び連携会議", 6, "回", "count"),
    (
        "case-support-family",
        "複合課題を有するケースにおける本人および家族への継続支援",
        400,
        "件",
        "count",
    ),
    (
        "case-support-community",
        "複合課題を有するケースにおける地域住民や専門機関との継続支援",
        800,
        "件",
        "count",
    ),
    (
        "resource-approach",
        "社会福祉法人や企業等及び既存の社会資源等への働きかけ",
        400,
        "件",
        "count",
    ),
    ("community-approach", "話し合いの場づくりやイベント等の取組への働きかけ", 480, "回", "count"),
    ("community-groups", "働きかけを行った団体数", 160, "団体", "distinct"),
    ("salon-launch", "ひだまりサロン等の交流の場及び居場所の新規立ち上げ", 8, "箇所", "count"),
    ("hub-study", "常設の拠点（居場所）の検討", 1, "箇所", "count"),
    ("resident-training", "講座・勉強会・視察等", 16, "回", "count"),
    ("facilitator-course", "令和6年度地域福祉ファシリテーター養成講座", 11, "回", "count"),
    ("graduate-activity", "講座修了生との検討、視察及び活動実施", 4, "回", "count"),
    ("graduate-seminar", "講座修了生企画立案による啓発講座開催", 1, "回", "count"),
    ("ibasho-launch-support", "新たな居場所の立ち上げへの支援", 1, "回", "count"),
    ("ibasho-expansion-support", "既存の居場所の拡充への支援", 2, "回", "count"),
]

EXPECTED_AREAS: list[tuple[int, str]] = [
    (1, "緑ヶ丘・滝坂"),
    (2, "若葉・調和"),
    (3, "上ノ原・柏野"),
    (4, "北ノ台・深大寺"),
    (5, "第二・八雲台・国領"),
    (6, "染地・杉森・布田小"),
    (7, "第一・富士見台・多摩川"),
    (8, "第三・石原・飛田給"),
]

# program area id -> (numeral, name, [(initiative id, heading, [target ids])])
EXPECTED_STRUCTURE = {
    "I": (
        "Ⅰ",
        "相談支援",
        [
            (
                "outreach-place",
                "アウトリーチ等を通じた継続的支援の取組",
                ["outreach-approach", "outreach-place-study"],
            ),
            ("outreach-awareness", "アウトリーチ等を通じた継続的支援の取組", ["awareness"]),
            ("multi-agency", "多機関協働の取組", ["network-meeting", "liaison-meeting"]),
        ],
    ),
    "II": (
        "Ⅱ",
        "参加支援",
        [
            ("individual-needs", "参加支援", ["case-support-family", "case-support-community"]),
            ("gap-needs", "参加支援", ["resource-approach"]),
        ],
    ),
    "III": (
        "Ⅲ",
        "地域づくりに向けた支援",
        [
            (
                "community-building",
                "地域づくりに向けた支援",
                ["community-approach", "community-groups"],
            ),
            ("hubs", "地域づくりに向けた支援", ["salon-launch", "hub-study"]),
            ("resident-training", "地域づくりに向けた支援", ["resident-training"]),
            (
                "university-course",
                "地域づくりに向けた支援",
                ["facilitator-course", "graduate-activity", "graduate-seminar"],
            ),
            (
                "ibasho",
                "地域づくりに向けた支援",
                ["ibasho-launch-support", "ibasho-expansion-support"],
            ),
        ],
    ),
}

SUBSIDY_INITIATIVES = {"university-course", "ibasho"}


@pytest.fixture(scope="module")
def plan() -> Plan:
    with PLAN_FILE.open("rb") as f:
        data = tomllib.load(f)
    return validate_plan(data)


def _texts(plan: Plan) -> list[tuple[str, str]]:
    """(where, text) for every free-text field of the plan."""
    out: list[tuple[str, str]] = [("title", plan.title)]
    for pa in plan.program_areas:
        out.append((f"{pa.id}.overview", pa.overview))
        for ini in pa.initiatives:
            for field in (
                "title",
                "content",
                "expected_effect",
                "qualitative_goal",
                "quantitative_note",
            ):
                out.append((f"{ini.id}.{field}", getattr(ini, field)))
            for t in ini.targets:
                out.append((f"{t.id}.label", t.label))
    return out


def test_header(plan: Plan) -> None:
    assert plan.fiscal_year == 2024
    assert plan.title == "令和6年度地域福祉コーディネーター事業等の概要"
    assert plan.issued == dt.date(2024, 4, 1)
    assert plan.issuer == ("調布市福祉健康部福祉総務課", "調布市社会福祉協議会")
    assert plan.staffing == 8
    assert plan.subsidy_program == "生活困窮者等の支援に向けた地域づくり事業"
    assert plan.coordinators == ()


def test_areas(plan: Plan) -> None:
    assert [(a.no, a.name) for a in plan.areas] == EXPECTED_AREAS


def test_targets_in_order(plan: Plan) -> None:
    got = [(t.id, t.label, t.target, t.unit, str(t.kind)) for t in plan.targets()]
    assert got == EXPECTED_TARGETS


def test_target_kind_details(plan: Plan) -> None:
    groups = plan.target("community-groups")
    assert groups is not None
    assert groups.kind is TargetKind.DISTINCT and groups.source == "community-approach"
    net = plan.target("network-meeting")
    assert net is not None
    assert (
        net.kind is TargetKind.PER_AREA and net.per_area_min == 1 and net.target == len(plan.areas)
    )
    for t in plan.targets():
        if t.id not in {"community-groups", "network-meeting"}:
            assert t.source is None and t.per_area_min is None, t.id


def test_structure(plan: Plan) -> None:
    assert [pa.id for pa in plan.program_areas] == list(EXPECTED_STRUCTURE)
    for pa in plan.program_areas:
        numeral, name, initiatives = EXPECTED_STRUCTURE[pa.id]
        assert (pa.numeral, pa.name) == (numeral, name)
        got = [(i.id, i.heading, [t.id for t in i.targets]) for i in pa.initiatives]
        assert got == initiatives


def test_subsidy_flag(plan: Plan) -> None:
    flagged = {i.id for pa in plan.program_areas for i in pa.initiatives if i.subsidy}
    assert flagged == SUBSIDY_INITIATIVES


def test_titles_have_no_mark(plan: Plan) -> None:
    for pa in plan.program_areas:
        for ini in pa.initiatives:
            assert "※" not in ini.title
            assert re.fullmatch(r"\(\d\) \S+", ini.title), ini.title


def test_initiative_texts_present(plan: Plan) -> None:
    for pa in plan.program_areas:
        assert pa.overview.strip(), pa.id
        for ini in pa.initiatives:
            assert ini.content.strip(), ini.id
            assert ini.expected_effect.strip(), ini.id
            assert ini.qualitative_goal.strip(), ini.id


def test_overview_of_I_has_both_headings(plan: Plan) -> None:
    ov = plan.program_areas[0].overview
    assert ov.startswith("【アウトリーチ等を通じた継続的支援の取組】")
    assert "\n\n【多機関協働の取組】" in ov


def test_quantitative_notes(plan: Plan) -> None:
    notes = {i.id: i.quantitative_note for pa in plan.program_areas for i in pa.initiatives}
    assert notes["outreach-awareness"].startswith("地縁組織や関係機関への会議やイベント")
    assert (
        notes["community-building"]
        == "160団体に対し、話し合いの場づくりやイベント等の取組への働きかけを480回行う。"
    )


def test_joined_page_breaks(plan: Plan) -> None:
    by_id = {i.id: i for pa in plan.program_areas for i in pa.initiatives}
    assert "地域生活課題を主体的に捉え" in by_id["community-building"].content
    assert (
        "地域福祉ファシリテーターとして、地域福祉推進" in by_id["university-course"].expected_effect
    )
    assert "住民主体による共助の取組" in by_id["ibasho"].expected_effect


def test_no_page_break_artefacts(plan: Plan) -> None:
    for where, text in _texts(plan):
        # blank lines only as separators between 【heading】 blocks of an overview
        assert re.search(r"\n\n(?!【)", text) is None, where
        assert "主\n" not in text and "とし\n" not in text and "による\n" not in text, where
        assert text == text.strip(), where
        # every paragraph of a long text is a whole sentence
        if where.endswith(
            ("overview", "content", "expected_effect", "qualitative_goal", "quantitative_note")
        ):
            for para in filter(None, text.split("\n")):
                assert para.endswith("。"), (where, para)
