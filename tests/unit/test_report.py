"""The report's figures, against entries logged through the entries service."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_sample import SUBSIDY_TARGETS, YEAR_END, log_sample, plan_of, store_catalog

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog, TargetKind
from chofu_tui.services.progress import progress_for
from chofu_tui.services.report import build_report, report_as_of
from chofu_tui.services.report.tables import View, table
from chofu_tui.services.report.text import render_markdown


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanCatalog]:
    yield from store_catalog(tmp_path, monkeypatch)


@pytest.fixture
def sample(catalog: PlanCatalog) -> PlanCatalog:
    log_sample(catalog)
    return catalog


def test_figures_follow_the_plan_and_the_entries(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    report = build_report(plan, YEAR_END)
    assert [r.target_id for r in report.rows] == [t.id for t in plan.targets()]
    awareness = report.row("awareness")
    assert awareness.goal == 800
    # 3 + 2 + 1 + the talk logged with community-approach; not the deleted 5 or next year's 7
    assert awareness.actual == 7
    assert awareness.rate == pytest.approx(7 / 800)
    assert awareness.months == (3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1)
    assert awareness.quarters == (6, 0, 0, 1)
    assert awareness.by_area == (3, 3, 1, 0, 0, 0, 0, 0)
    assert dict(zip(report.coordinators, awareness.by_coordinator, strict=True)) == {
        "佐藤": 3,
        "山田": 4,
    }
    assert report.row("community-approach").actual == 3


def test_distinct_and_per_area_are_shown_as_what_they_count(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), YEAR_END)
    groups = report.row("community-groups")
    assert groups.unit == "団体"
    assert groups.actual == 2  # the two spellings of ひだまりサロン若葉 are one group
    assert groups.months == (0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)  # first reached in 6月, 7月
    assert groups.by_area[2:4] == (1, 1)
    assert "働きかけ 3回" in groups.basis
    meeting = report.row("network-meeting")
    assert (meeting.unit, meeting.goal, meeting.actual) == ("圏域", 8, 2)
    assert meeting.months == (0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0)  # area 1 in 9月, area 5 in 11月
    assert meeting.by_area == (2, 0, 0, 0, 1, 0, 0, 0)  # meetings held in each area
    assert meeting.rate == pytest.approx(2 / 8)


def test_figures_agree_with_the_progress_screen(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    report = build_report(plan, YEAR_END)
    progress = progress_for(plan, YEAR_END)
    for row in report.rows:
        assert row.actual == progress.get(row.target_id).actual, row.target_id


def test_months_add_up_to_the_year_for_every_count_target(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), YEAR_END)
    counts = [r for r in report.rows if r.kind is TargetKind.COUNT]
    assert len(counts) == 16
    assert sum(r.actual for r in counts) > 0
    for r in report.rows:  # distinct and per_area months add up too, by construction
        assert sum(r.months) == r.actual, r.target_id
        assert sum(r.quarters) == r.actual, r.target_id


def test_the_as_of_date_cuts_off_later_entries(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), dt.date(2024, 5, 31))
    assert report.row("awareness").actual == 5
    assert report.row("community-groups").actual == 0
    assert report.as_of_label == "令和6年5月31日(金)現在"
    assert report_as_of(FiscalYear(2024), dt.date(2026, 1, 1)) == YEAR_END
    assert report_as_of(FiscalYear(2024), dt.date(2024, 6, 1)) == dt.date(2024, 6, 1)


def test_subsidy_only_reports_just_the_marked_initiatives(sample: PlanCatalog) -> None:
    full = build_report(plan_of(sample), YEAR_END)
    assert {r.target_id for r in full.rows if r.subsidy} == SUBSIDY_TARGETS
    report = build_report(plan_of(sample), YEAR_END, subsidy_only=True, include_notes=True)
    assert {r.target_id for r in report.rows} == SUBSIDY_TARGETS
    assert report.row("facilitator-course").actual == 1
    assert all(g.subsidy for g in report.notes)
    assert [n.text for g in report.notes for n in g.notes] == ["講座第1回"]
    assert "※" in report.title
    assert report.empty_message is None


def test_notes_are_gathered_under_each_initiatives_qualitative_goal(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    report = build_report(plan, YEAR_END, include_notes=True)
    by_id = {g.initiative_id: g for g in report.notes}
    _, ini = plan.initiative_of("awareness")
    assert by_id[ini.id].qualitative_goal == ini.qualitative_goal.strip()
    assert [n.text for n in by_id[ini.id].notes] == ["サロンで啓発", "話し合いの場を提案"]
    # the entry that credited two initiatives is under both
    _, community = plan.initiative_of("community-approach")
    assert [n.text for n in by_id[community.id].notes] == ["話し合いの場を提案"]
    md = render_markdown(report, View.NOTES)
    assert f"> 質的目標: {ini.qualitative_goal.strip()}" in md
    assert md.index(ini.qualitative_goal.strip()) < md.index("サロンで啓発")


def test_no_case_codes_unless_asked(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    report = build_report(plan, YEAR_END, include_notes=True)
    assert all(n.case_code is None for g in report.notes for n in g.notes)
    for view in View:
        assert "C-0042" not in render_markdown(report, view)
        assert "C-0042" not in repr(table(report, view).rows)
    assert "ケースコード" not in table(report, View.NOTES).headers
    with_cases = build_report(plan, YEAR_END, include_cases=True, include_notes=True)
    assert "C-0042" in render_markdown(with_cases, View.NOTES)
    assert "ケースコード" in table(with_cases, View.NOTES).headers


def test_a_year_without_entries_is_a_report_of_zeros_that_says_so(catalog: PlanCatalog) -> None:
    report = build_report(plan_of(catalog), YEAR_END)
    assert len(report.rows) == 18
    assert all(r.actual == 0 and r.months == (0,) * 12 for r in report.rows)
    assert report.empty_message is not None
    assert "記録はまだありません" in report.empty_message
    assert report.empty_message in render_markdown(report)


def test_an_as_of_date_before_the_year_is_refused(catalog: PlanCatalog) -> None:
    from chofu_tui.errors import UserError

    with pytest.raises(UserError, match="より前"):
        build_report(plan_of(catalog), dt.date(2024, 3, 31))


def test_report_services_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "import chofu_tui.services.report, chofu_tui.services.report.xlsx_writer\n"
        "import chofu_tui.services.report.csv_writer, chofu_tui.services.report.text\n"
        "import chofu_tui.services.report.save, chofu_tui.services.report.records\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
