"""Another council's plan (tests/plans/plan-2024-other.toml: four program areas with their own
ids, twelve areas, other targets and issuer) works in the command line and the reports with
no code change."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog
from chofu_tui.plan.loader import load_plan_text
from tests.unit.conftest import CLI

OTHER = Path(__file__).resolve().parents[1] / "plans" / "plan-2024-other.toml"
TARGETS = {
    "visit": 1200,
    "visit-groups": 40,
    "salon-support": 240,
    "salon-districts": 10,
    "volunteer-course": 24,
    "watch-meeting": 12,
}


@pytest.fixture
def other(plan_dir: Path) -> Path:
    plan_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(OTHER, plan_dir / "plan-2024.toml"))


def test_the_other_plan_loads_with_its_own_shape(other: Path, catalog: PlanCatalog) -> None:
    loaded = catalog.get(catalog.latest())  # type: ignore[arg-type]
    plan = loaded.plan
    assert loaded.path == other
    assert [pa.id for pa in plan.program_areas] == ["soudan", "tsunagu", "ninaite", "mimamori"]
    assert [pa.key_name for pa in plan.program_areas] == [
        "総合相談",
        "つながりづくり",
        "担い手の育成",
        "見守り",
    ]
    assert len(plan.areas) == 12 and plan.issuer == ("みなと台市社会福祉協議会",)


def test_targets_progress_and_add(cli: CLI, other: Path) -> None:
    data = cli.json("targets", "--fy", "2024")
    assert {t["id"]: t["target"] for t in data["targets"]} == TARGETS
    assert data["targets"][0]["program_area"] == "第1 総合相談と戸別訪問"
    assert cli("add", "visit", "--area", "12", "--org", "旭町会", "--count", "3")[0] == 0
    assert cli("add", "visit", "--area", "旭", "--org", "旭 町会")[0] == 0
    for _ in range(2):
        assert cli("add", "salon-districts", "--area", "11", "--date", "2024-06-01")[0] == 0
    assert cli("add", "watch-meeting", "--area", "10")[0] == 0
    got = {t["id"]: t for t in cli.json("progress")["targets"]}
    assert got["visit"]["actual"] == 4 and got["visit"]["by_area"]["12"] == 4
    assert set(got["visit"]["by_area"]) == {str(n) for n in range(1, 13)}
    assert got["visit-groups"]["actual"] == 1  # one organisation, written two ways
    assert got["salon-districts"]["actual"] == 1  # area 11 reached its minimum of 2
    assert got["watch-meeting"]["actual"] == 1
    code, _, err = cli("add", "awareness", "--area", "1")  # Chofu's target: not in this plan
    assert code == 2 and "awareness" in err


def test_reports_in_every_format(cli: CLI, other: Path, tmp_path: Path) -> None:
    cli("add", "visit", "--area", "12", "--org", "旭町会", "--count", "3")
    cli("add", "watch-meeting", "--area", "10")
    code, out, err = cli("report", "--format", "md")
    assert code == 0, err
    assert "みなと台市 地域支え合い推進事業計画" in out
    for heading in (
        "第1 総合相談と戸別訪問",
        "第2 つながりづくり",
        "第3 担い手の育成",
        "第4 見守りネットワーク",
    ):
        assert f"## {heading}" in out
    code, out, err = cli("report", "--format", "md", "--view", "area")
    assert code == 0, err
    assert "12 旭" in out and "10 川辺" in out
    path = tmp_path / "r.csv"
    assert cli("report", "--format", "csv", "-o", str(path))[0] == 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["目標ID"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(TARGETS)
    assert rows["visit"]["実績"] == "3" and rows["watch-meeting"]["実績"] == "1"
    book = tmp_path / "r.xlsx"
    code, _, err = cli("report", "--format", "xlsx", "-o", str(book))
    assert code == 0, err
    wb = load_workbook(book, read_only=True)
    header = [  # more than 8 areas: 8 to a sheet, 圏域別（1）, 圏域別（2） ...
        c
        for name in wb.sheetnames
        if name.startswith("圏域別")
        for r in wb[name].iter_rows(values_only=True)
        if r and r[0] == "区分"
        for c in r
    ]
    assert "12 旭" in header and "1 北浜" in header
    ids = {c for r in wb["データ"].iter_rows(values_only=True) for c in r if c in TARGETS}
    assert ids == set(TARGETS)  # on the data sheet; the printed sheets carry no ids


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ('id = "soudan"', 'id = "相談"'),
        ("[[areas]]\nno = 12", "[[areas]]\nno = 11"),
    ],
)
def test_a_broken_other_plan_is_refused(change: str, says: str) -> None:
    text = OTHER.read_text(encoding="utf-8").replace(change, says, 1)
    with pytest.raises(UserError) as info:
        load_plan_text(text, Path("plan-2024.toml"))
    assert "分野 id" in info.value.message or "圏域の番号が重複" in info.value.message


def test_ten_program_areas_or_thirty_one_areas_are_refused() -> None:
    text = OTHER.read_text(encoding="utf-8")
    start = text.index('[[program_areas]]\nid = "ninaite"')
    end = text.index('[[program_areas]]\nid = "mimamori"')
    block = text[start:end]
    more = text + "".join(
        block.replace('id = "ninaite"', f'id = "extra{i}"').replace(
            'id = "volunteer-course"', f'id = "course-{i}"'
        )
        for i in range(6)
    )  # 4 + 6 = 10 program areas
    with pytest.raises(UserError, match="program_areas"):
        load_plan_text(more, Path("plan-2024.toml"))
    areas = "".join(f'\n[[areas]]\nno = {n}\nname = "地区{n}"\n' for n in range(13, 32))
    many = text.replace("[[program_areas]]", areas + "\n[[program_areas]]", 1)
    with pytest.raises(UserError, match="areas"):
        load_plan_text(many, Path("plan-2024.toml"))
