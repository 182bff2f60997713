"""The report files (xlsx, CSV, Markdown) and the `report` command, read back cell by cell."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from report_sample import SUBSIDY_TARGETS, YEAR_END, log_sample, plan_of, store_catalog

from chofu_tui.cli import main
from chofu_tui.plan import PlanCatalog
from chofu_tui.services.report import MONTH_LABELS, build_report
from chofu_tui.services.report.csv_writer import write_csv
from chofu_tui.services.report.xlsx_writer import write_xlsx

DATA = "データ"  # the hidden sheet for machines: one row per target, ids and every figure


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlanCatalog]:
    yield from store_catalog(tmp_path, monkeypatch)


@pytest.fixture
def sample(catalog: PlanCatalog) -> PlanCatalog:
    log_sample(catalog)
    return catalog


def sheet_rows(ws) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    """The data sheet's rows by 目標ID, as {header: value}."""
    header = [c.value for c in ws[1]]
    out: dict[str, dict[str, object]] = {}
    for row in ws.iter_rows(min_row=2):
        values = dict(zip(header, (c.value for c in row), strict=True))
        out[str(values["目標ID"])] = values
    return out


def test_xlsx_figures_cell_by_cell(sample: PlanCatalog, tmp_path: Path) -> None:
    path = write_xlsx(build_report(plan_of(sample), YEAR_END), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "年間",
        "月別（4～9月）",
        "月別（10～3月）",
        "圏域別",
        "コーディネーター別",
        "取組別",
        DATA,
    ]
    assert wb[DATA].sheet_state == "hidden"

    data = wb[DATA]
    rows = sheet_rows(data)
    assert len(rows) == 18
    assert rows["awareness"]["目標"] == 800
    assert rows["awareness"]["実績"] == 7
    assert rows["awareness"]["達成率"] == pytest.approx(7 / 800)
    assert rows["community-groups"]["実績"] == 2
    assert rows["community-groups"]["単位"] == "団体"
    assert rows["network-meeting"]["実績"] == 2
    assert rows["network-meeting"]["単位"] == "圏域"
    assert rows["facilitator-course"]["※"] == "※"
    assert rows["awareness"]["※"] in (None, "")
    # numbers are numbers, rates are percentages
    header = [c.value for c in data[1]]
    r = 2 + list(rows).index("awareness")
    actual = data.cell(r, header.index("実績") + 1)
    rate = data.cell(r, header.index("達成率") + 1)
    assert isinstance(actual.value, int)
    assert rate.number_format == "0.0%"
    assert isinstance(rate.value, float)

    months = rows
    assert [months["awareness"][m] for m in MONTH_LABELS] == [3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert months["awareness"]["第1四半期"] == 6
    assert months["community-groups"]["6月"] == 1

    assert rows["awareness"]["圏域 1 緑ヶ丘・滝坂"] == 3
    assert rows["awareness"]["圏域 2 若葉・調和"] == 3
    assert rows["network-meeting"]["圏域 5 第二・八雲台・国領"] == 1

    assert rows["awareness"]["担当 山田"] == 4
    assert rows["awareness"]["担当 佐藤"] == 3
    assert rows["community-groups"]["担当 山田"] == 1


def test_every_count_target_sums_its_months_in_the_workbook(
    sample: PlanCatalog, tmp_path: Path
) -> None:
    path = write_xlsx(build_report(plan_of(sample), YEAR_END), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    kinds = {t.id: t.kind.value for t in plan_of(sample).targets()}
    checked = 0
    for tid, row in sheet_rows(wb[DATA]).items():
        total = sum(row[m] for m in MONTH_LABELS)  # type: ignore[misc]
        assert total == row["実績"], tid
        checked += kinds[tid] == "count"
    assert checked == 16


def test_xlsx_layout_title_freeze_and_print(sample: PlanCatalog, tmp_path: Path) -> None:
    path = write_xlsx(build_report(plan_of(sample), YEAR_END), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets[:-1]:
        title = ws["A1"].value
        assert "令和6年度" in title and ws.title in title, ws.title
        assert "基準日 令和7年3月31日" in ws["A2"].value
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert not ws.sheet_properties.pageSetUpPr or not (
            ws.sheet_properties.pageSetUpPr.fitToPage
        )  # never shrunk


def test_no_case_codes_in_the_workbook_unless_asked(sample: PlanCatalog, tmp_path: Path) -> None:
    plan = plan_of(sample)

    def cells(path: Path) -> list[object]:
        wb = openpyxl.load_workbook(path)
        return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]

    plain = write_xlsx(build_report(plan, YEAR_END), tmp_path / "plain.xlsx")
    assert not any("C-0042" in str(c) for c in cells(plain))
    cases = write_xlsx(
        build_report(plan, YEAR_END, include_cases=True, include_notes=True), tmp_path / "c.xlsx"
    )
    assert "C-0042" in cells(cases)


def test_csv_has_a_bom_and_parses_back_to_the_same_figures(
    sample: PlanCatalog, tmp_path: Path
) -> None:
    report = build_report(plan_of(sample), YEAR_END)
    path = write_csv(report, tmp_path / "r.csv", "annual")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 18
    for back, row in zip(rows, report.rows, strict=True):
        assert back["目標ID"] == row.target_id
        assert int(back["目標"]) == row.goal
        assert int(back["実績"]) == row.actual
        assert [int(back[m]) for m in MONTH_LABELS] == list(row.months)
        assert float(back["達成率"].rstrip("%")) == pytest.approx(row.rate * 100, abs=0.051)
    awareness = next(r for r in rows if r["目標ID"] == "awareness")
    assert awareness["達成率"] == "0.9%"


@pytest.mark.parametrize("view", ["area", "coordinator", "monthly"])
def test_csv_views_parse_back_to_the_report(sample: PlanCatalog, tmp_path: Path, view: str) -> None:
    report = build_report(plan_of(sample), YEAR_END)
    path = write_csv(report, tmp_path / f"{view}.csv", view)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["目標ID"] for r in rows] == [r.target_id for r in report.rows]
    for back, row in zip(rows, report.rows, strict=True):
        if view == "area":
            names = [f"{no} {name}" for no, name in report.areas]
            assert [int(back[n]) for n in names] == list(row.by_area)
        elif view == "coordinator":
            assert [int(back[c]) for c in report.coordinators] == list(row.by_coordinator)
        else:
            assert [int(back[m]) for m in MONTH_LABELS] == list(row.months)
            assert int(back["年間計"]) == row.actual


def test_csv_notes_use_iso_dates_and_no_case_codes(sample: PlanCatalog, tmp_path: Path) -> None:
    report = build_report(plan_of(sample), YEAR_END, include_notes=True)
    path = write_csv(report, tmp_path / "n.csv", "notes")
    text = path.read_text(encoding="utf-8-sig")
    assert "2024-04-10" in text and "C-0042" not in text
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["記録"] for r in rows} >= {"サロンで啓発", "本人と面談", "講座第1回"}


def test_a_failed_write_leaves_nothing_behind(
    sample: PlanCatalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chofu_tui.errors import UserError
    from chofu_tui.services.report import xlsx_writer as report_xlsx

    out = tmp_path / "out"
    out.mkdir()
    report = build_report(plan_of(sample), YEAR_END)

    fill = report_xlsx.fill_workbook

    def disk_full(wb, report) -> None:  # type: ignore[no-untyped-def]
        fill(wb, report)  # the sheets' temporary files exist by now
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_xlsx, "fill_workbook", disk_full)
    with pytest.raises(UserError, match="書き込めません"):
        write_xlsx(report, out / "r.xlsx")
    assert list(out.iterdir()) == []


# --- the command line -------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_command_prints_markdown_by_default(
    sample: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "chofu.db")
    code, out, _ = run(capsys, "report", "--db", db, "--fy", "R6", "--as-of", "2025-03-31")
    assert code == 0
    assert out.startswith("# 令和6年度")
    assert "| awareness | 啓発件数 | 回 | 800 | 7 | 0.9% | 3 | 2 | 1 |" in out


def test_report_command_writes_xlsx_to_a_default_name_and_says_where(
    sample: PlanCatalog,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    db = str(tmp_path / "chofu.db")
    code, out, err = run(capsys, "--db", db, "report", "--fy", "2024", "--format", "xlsx")
    assert code == 0
    expected = work / "chofu-report-R6-2025-03-31.xlsx"  # today is pinned after the year
    assert out.strip() == str(expected)
    assert "現在のフォルダー" in err
    assert sheet_rows(openpyxl.load_workbook(expected)[DATA])["awareness"]["実績"] == 7


def test_report_command_csv_view_and_subsidy_only(
    sample: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "chofu.db")
    out_path = tmp_path / "area.csv"
    argv = ["report", "--db", db, "--fy", "R6", "--format", "csv", "--view", "area"]
    code, _, _ = run(capsys, *argv, "--subsidy-only", "-o", str(out_path))
    assert code == 0
    with out_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["目標ID"] for r in rows} == SUBSIDY_TARGETS
    course = next(r for r in rows if r["目標ID"] == "facilitator-course")
    assert course["7 第一・富士見台・多摩川"] == "1"


def test_report_command_zero_year_says_so(
    catalog: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "zero.xlsx"
    argv = ["report", "--db", str(tmp_path / "chofu.db"), "--fy", "R6", "--format", "xlsx"]
    code, _, err = run(capsys, *argv, "-o", str(out_path))
    assert code == 0
    assert "記録はまだありません" in err
    rows = sheet_rows(openpyxl.load_workbook(out_path)[DATA])
    assert all(r["実績"] == 0 for r in rows.values())
    block = openpyxl.load_workbook(out_path)["年間"]["A1:A8"]
    assert any("記録はまだありません" in str(c.value) for (c,) in block)  # the title block


def test_report_command_year_without_plan_exits_2_and_writes_nothing(
    catalog: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = ["report", "--db", str(tmp_path / "chofu.db"), "--fy", "2030", "--format", "xlsx"]
    code, _, err = run(capsys, *argv, "-o", str(out / "r.xlsx"))
    assert code == 2
    assert "令和12年度の計画がありません" in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("where", ["missing/r.xlsx", "file.txt/r.xlsx", "adir"])
def test_report_command_unwritable_path_exits_2_and_leaves_nothing(
    sample: PlanCatalog, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "file.txt").write_text("x")
    (out / "adir").mkdir()
    before = sorted(p.name for p in out.rglob("*"))
    argv = ["report", "--db", str(tmp_path / "chofu.db"), "--fy", "R6", "--format", "xlsx"]
    code, _, err = run(capsys, *argv, "-o", str(out / where))
    assert code == 2
    assert err.startswith("エラー: ") and str(out / where) in err
    assert sorted(p.name for p in out.rglob("*")) == before
