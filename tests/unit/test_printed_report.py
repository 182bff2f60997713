"""The printed report (issue 11): the workbook and the PDF as the city receives them.

Structure is checked in the files themselves: fonts, sizes, borders, heights, print set-up, the
title block, no ids; the PDF's text is read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import table_dump
from pypdf import PdfReader
from report_sample import YEAR_END, log, log_sample, plan_of, store_catalog

from chofu_tui.cli import main
from chofu_tui.plan import PlanCatalog
from chofu_tui.plan.models import Coordinator
from chofu_tui.services.report import build_report
from chofu_tui.services.report.model import SENSITIVE
from chofu_tui.services.report.pdf_writer import pdf_bytes
from chofu_tui.services.report.printed import PAGE_UNITS, lines_needed
from chofu_tui.services.report.xlsx_writer import DATA_SHEET, LINE_PT, workbook_bytes

LEGEND = "※ 生活困窮者等の支援に向けた地域づくり事業の対象"
PRINTED = ["年間", "月別（4～9月）", "月別（10～3月）", "圏域別", "コーディネーター別", "取組別"]


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanCatalog]:
    yield from store_catalog(tmp_path, monkeypatch)


@pytest.fixture
def sample(catalog: PlanCatalog) -> PlanCatalog:
    log_sample(catalog)
    # a group approached in two areas, a note that looks like a formula, a half-width name
    log(
        catalog,
        ("community-approach",),
        "2024-08-01",
        5,
        organisation="ひだまりサロン若葉",
        coordinator="山田",
    )
    log(
        catalog,
        ("case-support-family", "case-support-community"),
        "2024-09-09",
        6,
        organisation="ｻﾛﾝ 北",
        coordinator="佐藤",
        note='=HYPERLINK("x")\n二行目',
    )
    log(catalog, ("case-support-family",), "2024-09-10", 6, coordinator="佐藤")
    return catalog


def book(report) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(report)))


def values(ws) -> list[object]:  # type: ignore[no-untyped-def]
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def printed_text(wb: openpyxl.Workbook) -> str:
    return "\n".join(str(v) for ws in wb.worksheets if ws.title != DATA_SHEET for v in values(ws))


def header_row(ws) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, 12) if ws.cell(r, 1).value in ("区分", "項目", "日付"))


def test_every_printed_cell_is_japanese_10pt_ruled_on_a4_landscape_at_100(
    sample: PlanCatalog,
) -> None:
    wb = book(build_report(plan_of(sample), YEAR_END))
    assert wb.sheetnames == [*PRINTED, DATA_SHEET]
    for ws in wb.worksheets[:-1]:
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
        assert ws.page_setup.scale in (None, 100)  # as printed: never shrunk
        assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
        widths = [ws.column_dimensions[c].width for c in ws.column_dimensions]
        # fits the page at 100 % (XlsxWriter adds 0.71 of padding to each width)
        assert sum(widths) <= PAGE_UNITS + 0.75 * len(widths), ws.title
        head = header_row(ws)
        assert ws.print_title_rows == f"${head}:${head}", ws.title  # the header repeats
        assert "&P / &N" in ws.oddFooter.center.text
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                assert c.font.name == "游ゴシック", (ws.title, c.coordinate)
                assert c.font.sz >= 9, (ws.title, c.coordinate)
                if c.row >= head and not str(c.value).startswith("注:"):  # notes below
                    assert c.border.left.style == "thin", (ws.title, c.coordinate)
                    assert c.border.bottom.style == "thin", (ws.title, c.coordinate)


def test_the_title_block_and_the_files_own_title_and_author(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), YEAR_END, made=dt.date(2025, 4, 10))
    wb = book(report)
    ws = wb["年間"]
    block = [ws.cell(r, 1).value for r in range(1, header_row(ws))]
    assert block[0].startswith("令和6年度 地域福祉コーディネーター事業 実績報告")
    assert "期間 令和6年4月1日～令和7年3月31日" in block[1]
    assert "基準日 令和7年3月31日" in block[1] and "作成日 令和7年4月10日" in block[1]
    assert block[2] == "作成 調布市社会福祉協議会　提出先 調布市福祉健康部福祉総務課"
    assert LEGEND in block
    assert SENSITIVE not in printed_text(wb)
    assert wb.properties.title == report.title
    assert wb.properties.creator == "調布市社会福祉協議会"


def test_report_author_and_recipient_come_from_the_plan_when_it_names_them(
    sample: PlanCatalog,
) -> None:
    plan = dataclasses.replace(
        plan_of(sample), report_author="調布市社協 地域福祉推進課", report_recipient="調布市長"
    )
    report = build_report(plan, YEAR_END)
    assert (report.author, report.recipient) == ("調布市社協 地域福祉推進課", "調布市長")
    single = dataclasses.replace(plan_of(sample), issuer=("ある社協",))
    assert (single.author, single.recipient) == ("ある社協", "")


def test_laid_out_like_the_plan_without_ids(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    wb = book(build_report(plan, YEAR_END))
    ws = wb["年間"]
    first = [ws.cell(r, 1).value for r in range(header_row(ws), ws.max_row + 1)]
    pa, ini = plan.initiative_of("awareness")
    assert first[:3] == ["区分", pa.title, f"◆ {ini.heading}"]
    assert [ws.cell(header_row(ws), c).value for c in range(1, 7)] == [
        "区分",
        "目標",
        "実績",
        "単位",
        "達成率",
        "備考",
    ]
    at = first.index(ini.title)
    row = header_row(ws) + first.index("啓発件数", at)
    assert [ws.cell(row, c).value for c in range(2, 5)] == [800, 7, "回"]
    _, course = plan.initiative_of("facilitator-course")
    assert f"{course.title} ※" in first
    ids = {t.id for t in plan.targets()} | {i.id for p in plan.program_areas for i in p.initiatives}
    printed = set(map(str, (v for w in wb.worksheets[:-1] for v in values(w))))
    assert not ids & printed
    assert ids >= {str(v) for v in values(wb[DATA_SHEET]) if str(v) in ids} != set()


def test_wrapped_rows_are_tall_enough(sample: PlanCatalog) -> None:
    wb = book(build_report(plan_of(sample), YEAR_END))
    ws = wb["取組別"]
    width = sum(ws.column_dimensions[c].width for c in "BCDEF" if c in ws.column_dimensions)
    checked = 0
    for r in range(header_row(ws) + 1, ws.max_row + 1):
        body = ws.cell(r, 2).value
        if isinstance(body, str):
            assert ws.row_dimensions[r].height >= lines_needed(body, width) * LINE_PT
            checked += lines_needed(body, width) > 1  # a text that wraps
    assert checked >= 10


def test_initiative_sheet_prints_the_plans_texts_and_the_evaluation(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    _, ini = plan.initiative_of("awareness")
    report = build_report(plan, YEAR_END, evaluations={ini.id: "周知は進んだ。=課題は若年層"})
    ws = book(report)["取組別"]
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    at = rows.index((ini.title, None))
    assert [k for k, _ in rows[at + 1 : at + 5]] == [
        "事業内容",
        "期待される効果",
        "質的目標",
        "評価・課題",
    ]
    assert rows[at + 1][1] == ini.content.strip()
    assert rows[at + 3][1] == ini.qualitative_goal.strip()
    assert rows[at + 4][1] == "周知は進んだ。=課題は若年層"  # a string, never a formula
    assert ("評価・課題", "（未記入）") in rows  # the others are not written yet


def test_area_sheet_explains_groups_in_two_areas_and_meetings_done(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), YEAR_END)
    ws = book(report)["圏域別"]
    text = "\n".join(map(str, values(ws)))
    assert "2つ以上の圏域で働きかけた団体をそれぞれの圏域に数えています" in text
    assert "実績は重複を除いた団体数です" in text
    head = header_row(ws)
    header = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
    rows = {
        ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        for r in range(head + 1, ws.max_row + 1)
    }
    groups = report.row("community-groups")
    shown = rows[groups.label]
    areas = shown[2 : 2 + len(report.areas)]
    assert sum(areas) > shown[header.index("実績")] == groups.actual  # counted in both areas
    assert shown[header.index("単位")] == "団体（重複なし）"
    meeting = report.row("network-meeting")
    shown = rows[meeting.label]
    cells = shown[2 : 2 + len(report.areas)]
    assert cells[0] == "2回 済" and cells[1] == "0回 未"
    assert sum(c.endswith("済") for c in cells) == shown[header.index("実績")] == meeting.actual
    assert shown[header.index("単位")] == "実施圏域数"


def test_coordinators_in_roster_order_else_by_area_then_name(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    # 山田 logs mostly in area 1, 佐藤 in area 2 (character-code order would put 佐藤 first)
    assert build_report(plan, YEAR_END).coordinators[:2] == ("山田", "佐藤")
    roster = dataclasses.replace(plan, coordinators=(Coordinator("佐藤", 2), Coordinator("山田")))
    report = build_report(roster, YEAR_END)
    assert report.coordinators[:2] == ("佐藤", "山田")
    ws = book(report)["コーディネーター別"]
    head = header_row(ws)
    assert [ws.cell(head, c).value for c in (3, 4)] == ["佐藤", "山田"]


def test_case_rows_show_people_beside_the_count_and_no_code(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), YEAR_END, include_cases=True)
    family = report.row("case-support-family")
    assert (family.actual, family.people, family.uncoded) == (3, 1, 2)
    assert report.row("awareness").people is None  # no case codes on its entries
    wb = book(report)
    text = printed_text(wb)
    assert f"延べ件数 3{family.unit}・実人数 1人（コード未記入 2件）" in text
    assert "C-0042" not in text  # cases are counted, never printed without the notes


def test_default_workbook_has_no_notes_and_says_nothing_sensitive(sample: PlanCatalog) -> None:
    wb = book(build_report(plan_of(sample), YEAR_END))
    text = "\n".join(str(v) for ws in wb.worksheets for v in values(ws))
    assert "記録" not in wb.sheetnames
    assert "サロンで啓発" not in text and "本人と面談" not in text


@pytest.mark.parametrize("flags", [{"include_notes": True}, {"include_cases": True}])
def test_personal_information_is_marked_in_the_block_and_on_every_page(
    sample: PlanCatalog, flags: dict[str, bool]
) -> None:
    wb = book(build_report(plan_of(sample), YEAR_END, **flags))
    for ws in wb.worksheets[:-1]:
        block = [ws.cell(r, 1).value for r in range(1, header_row(ws))]
        assert SENSITIVE in block, ws.title
        assert SENSITIVE in ws.oddHeader.right.text, ws.title


def test_notes_sheet_one_row_per_entry_targets_in_plan_order(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    report = build_report(plan, YEAR_END, include_notes=True, include_cases=True)
    ws = book(report)["記録"]
    head = header_row(ws)
    header = [ws.cell(head, c).value for c in range(1, ws.max_column + 1)]
    assert header == [
        "日付",
        "圏域",
        "コーディネーター",
        "団体",
        "目標",
        "回数",
        "記録",
        "ケースコード",
    ]
    rows = [
        [ws.cell(r, c).value for c in range(1, len(header) + 1)]
        for r in range(head, ws.max_row + 1)
    ]
    entry = next(r for r in rows if r[6] and "二行目" in str(r[6]))
    r = head + rows.index(entry)
    assert entry[3] == "サロン 北"  # NFKC: half-width ｻﾛﾝ printed as サロン
    labels = [t.label for t in plan.targets() if t.id.startswith("case-support-")]
    assert entry[4] == "\n".join(labels)  # in the plan's order, one per line
    assert entry[6] == '=HYPERLINK("x")\n二行目'  # text, not a formula
    assert ws.cell(r, 7).data_type == "s"
    assert ws.row_dimensions[r].height >= 2 * LINE_PT  # two lines shown, not cut
    assert "C-0042" in [x[7] for x in rows]


def test_as_of_after_the_year_prints_the_years_end(sample: PlanCatalog) -> None:
    report = build_report(plan_of(sample), dt.date(2025, 6, 30))
    assert report.as_of == YEAR_END
    assert "基準日 令和7年3月31日" in str(book(report)["年間"]["A2"].value)


def test_pdf_is_a4_landscape_with_the_report_and_page_numbers(sample: PlanCatalog) -> None:
    plan = plan_of(sample)
    _, ini = plan.initiative_of("awareness")
    report = build_report(
        plan, YEAR_END, include_cases=True, evaluations={ini.id: "周知は進んだが若年層が課題"}
    )
    reader = PdfReader(io.BytesIO(pdf_bytes(report)))
    pages = reader.pages
    assert len(pages) > 3
    for i, page in enumerate(pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(w), round(h)) == (842, 595)  # A4 landscape
        text = page.extract_text()
        assert f"{i} / {len(pages)}" in text
        assert SENSITIVE in text
    text = "\n".join(p.extract_text() for p in pages)
    assert "令和6年度 地域福祉コーディネーター事業 実績報告" in text
    assert "期間 令和6年4月1日～令和7年3月31日" in text
    assert LEGEND in text and "取組別" in text and "評価・課題" in text
    assert "周知は進んだが若年層が課題" in text and "（未記入）" in text
    assert "awareness" not in text and ini.id not in text
    assert "延べ件数 3件・実人数 1人" in text
    assert reader.metadata is not None and reader.metadata.title == report.title


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_view_notes_needs_include_notes(
    sample: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "chofu.db")
    before = table_dump(Path(db))
    out = tmp_path / "n.csv"
    argv = ["report", "--db", db, "--fy", "2024", "--format", "csv", "--view", "notes"]
    code, _, err = run(capsys, *argv, "-o", str(out))
    assert code == 2 and "--include-notes" in err and "個人情報" in err
    assert not out.exists() and table_dump(Path(db)) == before
    code, _, err = run(capsys, *argv, "--include-notes", "-o", str(out))
    assert code == 0, err
    head = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "質的目標" not in head and "記録" in head
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in out.read_bytes()


def test_report_command_writes_a_pdf(
    sample: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "chofu.db")
    out = tmp_path / "r.pdf"
    code, _, err = run(
        capsys, "report", "--db", db, "--fy", "2024", "--format", "pdf", "-o", str(out)
    )
    assert code == 0, err
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "実績報告" in text and SENSITIVE not in text and "サロンで啓発" not in text
    code, _, err = run(
        capsys, "report", "--db", db, "--fy", "2024", "--format", "pdf", "-o", str(out)
    )
    assert code == 2 and "--force" in err  # an existing file is not replaced unasked


def test_pdf_text_is_never_below_9pt(sample: PlanCatalog) -> None:
    import re

    report = build_report(plan_of(sample), YEAR_END, include_notes=True, include_cases=True)
    reader = PdfReader(io.BytesIO(pdf_bytes(report)))
    sizes: set[float] = set()
    for page in reader.pages:
        data = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
        sizes |= {float(s) for s in re.findall(r"/F\d+ ([\d.]+) Tf", data)}
    assert sizes and min(sizes) >= 9, sizes
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "サロン 北" in text and "C-0042" in text and "本人と面談" in text


def test_the_made_date_is_today_as_the_clock_says(sample: PlanCatalog) -> None:
    # the fixture pins CHOFU_TUI_TODAY to 2026-01-15
    report = build_report(plan_of(sample), YEAR_END)
    assert report.made == dt.date(2026, 1, 15)
    assert "作成日 令和8年1月15日" in str(book(report)["年間"]["A2"].value)
