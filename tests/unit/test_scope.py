"""Issue 12, my share and my week: `progress --area/--coordinator` give each target its share,
from the plan's optional allocation table or the target split evenly; `summary --week|--month`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import load_plan_file
from chofu_tui.plan.cache import from_data, to_data
from chofu_tui.services.progress import share_of
from tests.unit.conftest import CLI, table_dump

ALLOCATION = '\n[allocation.awareness]\n"2" = 120\n"3" = 50\n'
ROSTER = '\n[[coordinators]]\nname = "山田 花子"\narea = 2\n'


def _plan_file(plan_dir: Path, extra: str = "") -> Path:
    plan_dir.mkdir(parents=True, exist_ok=True)
    text = (bundled_plan_dir() / "plan-2024.toml").read_text(encoding="utf-8")
    path = plan_dir / "plan-2024.toml"
    path.write_text(text + ROSTER + extra, encoding="utf-8")
    return path


def _targets(data: dict) -> dict[str, dict]:
    return {t["id"]: t for t in data["targets"]}


def test_share_of_even_split_rounds_up_and_per_area_becomes_one(plan_dir: Path) -> None:
    plan = load_plan_file(_plan_file(plan_dir))
    awareness, meeting = plan.target("awareness"), plan.target("network-meeting")
    assert awareness is not None and meeting is not None
    assert share_of(plan, awareness) == 800  # 全体: the city's target
    assert share_of(plan, awareness, area=2) == 100  # 800 / 8 areas
    study = plan.target("outreach-place-study")
    assert study is not None and share_of(plan, study, area=1) == 2  # 16 / 8
    approach = plan.target("outreach-approach")
    assert approach is not None and share_of(plan, approach, area=1) == 10  # 80 / 8
    assert share_of(plan, meeting, area=3) == 1  # done in my area?
    assert share_of(plan, awareness, coordinator="山田 花子") == 100


def test_share_of_uses_the_allocation_where_the_plan_gives_one(plan_dir: Path) -> None:
    plan = load_plan_file(_plan_file(plan_dir, ALLOCATION))
    awareness = plan.target("awareness")
    assert awareness is not None
    assert share_of(plan, awareness, area=2) == 120
    assert share_of(plan, awareness, area=3) == 50
    assert share_of(plan, awareness, area=4) == 100  # not given: the even split
    assert share_of(plan, awareness, coordinator="山田 花子") == 120  # the roster's area 2
    assert share_of(plan, awareness) == 800
    # the plan cache keeps the table
    assert from_data(to_data(plan, "k"), "k").allocation == {"awareness": {"2": 120, "3": 50}}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ('\n[allocation.nothing]\n"2" = 1\n', "nothing"),
        ('\n[allocation.awareness]\n"9" = 1\n', "圏域"),
        ('\n[allocation.awareness]\n"2" = -1\n', "0 以上"),
    ],
)
def test_a_wrong_allocation_is_refused_with_a_message(
    cli: CLI, plan_dir: Path, extra: str, says: str
) -> None:
    path = _plan_file(plan_dir, extra)
    code, _, err = cli("plan", "check", str(path))
    assert code == 2
    assert says in err


def test_progress_area_json_gives_share_beside_target(cli: CLI, plan_dir: Path) -> None:
    _plan_file(plan_dir)
    for _ in range(3):
        cli("add", "awareness", "--area", "2", "--date", "2024-05-01", "--count", "20")
    cli("add", "awareness", "--area", "5", "--date", "2024-05-01", "--count", "20")
    whole = _targets(cli.json("progress", "--as-of", "2024-10-01"))
    assert "share" not in whole["awareness"]  # 全体 unchanged
    assert whole["awareness"]["target"] == 800
    assert whole["awareness"]["status"] == "behind"  # 80 of 800 by half the year
    mine = _targets(cli.json("progress", "--as-of", "2024-10-01", "--area", "2"))
    assert mine["awareness"]["target"] == 800
    assert mine["awareness"]["share"] == 100
    assert mine["awareness"]["actual"] == 60
    assert mine["awareness"]["status"] == "ahead"  # 60 of 100 by half the year
    assert mine["network-meeting"]["share"] == 1
    code, out, _ = cli("progress", "--as-of", "2024-10-01", "--area", "2")
    assert code == 0
    assert "実績 / 担当分" in out
    assert "60 / 100 回" in out


def test_progress_with_allocation_and_coordinator_scope(cli: CLI, plan_dir: Path) -> None:
    _plan_file(plan_dir, ALLOCATION)
    for _ in range(3):
        cli(
            "add", "awareness", "--area", "2", "--date", "2024-05-01", "--count", "20",
            "--coordinator", "山田 花子",
        )  # fmt: skip
    by_area = _targets(cli.json("progress", "--as-of", "2024-10-01", "--area", "2"))
    assert by_area["awareness"]["share"] == 120
    assert by_area["awareness"]["status"] == "on_pace"  # 60 of 120 at half the year
    mine = _targets(cli.json("progress", "--as-of", "2024-10-01", "--coordinator", "山田 花子"))
    assert mine["awareness"]["share"] == 120
    assert mine["awareness"]["actual"] == 60
    assert mine["outreach-approach"]["share"] == 10
    other = _targets(cli.json("progress", "--as-of", "2024-10-01", "--coordinator", "誰か"))
    assert other["awareness"]["share"] == 100  # not on the roster: the even split
    assert other["awareness"]["actual"] == 0


def _log(cli: CLI) -> None:
    cli("add", "awareness", "--area", "2", "--date", "2024-09-23", "--org", "若葉自治会",
        "--count", "3", "--coordinator", "山田 花子")  # fmt: skip
    cli("add", "awareness", "--area", "2", "--date", "2024-09-29", "--org", "調和サロン",
        "--coordinator", "山田 花子")  # fmt: skip
    cli("add", "awareness", "--area", "3", "--date", "2024-09-25", "--org", "東部会",
        "--coordinator", "佐藤")  # fmt: skip
    cli("add", "awareness", "--area", "2", "--date", "2024-09-30", "--coordinator", "山田 花子")
    cli("add", "outreach-approach", "--area", "2", "--date", "2024-09-15",
        "--coordinator", "山田 花子")  # fmt: skip


def test_summary_week_json_and_text(cli: CLI, plan_dir: Path, db_path: Path) -> None:
    _plan_file(plan_dir)
    _log(cli)
    before = table_dump(db_path)
    data = cli.json("summary", "--week", "--date", "2024-09-25")
    assert (data["start"], data["end"]) == ("2024-09-23", "2024-09-29")  # Monday to Sunday
    assert data["entries"] == 3
    rows = _targets(data)
    assert list(rows) == ["awareness"]
    assert rows["awareness"]["count"] == 5
    assert rows["awareness"]["entries"] == 3
    assert rows["awareness"]["organisations"] == sorted(["若葉自治会", "調和サロン", "東部会"])
    mine = cli.json("summary", "--week", "--date", "2024-09-25", "--coordinator", "山田 花子")
    assert _targets(mine)["awareness"]["count"] == 4
    assert "東部会" not in _targets(mine)["awareness"]["organisations"]
    code, out, _ = cli("summary", "--week", "--date", "2024-09-25")
    assert code == 0
    assert "2024-09-23〜2024-09-29 の週" in out
    assert "5 回" in out
    assert "awareness" not in out  # short labels, not ids
    assert table_dump(db_path) == before  # a summary writes nothing


def test_summary_month_json_and_text(cli: CLI, plan_dir: Path) -> None:
    _plan_file(plan_dir)
    _log(cli)
    data = cli.json("summary", "--month", "--date", "2024-09-10")
    assert (data["start"], data["end"]) == ("2024-09-01", "2024-09-30")
    rows = _targets(data)
    assert list(rows) == ["outreach-approach", "awareness"]  # plan order
    assert (rows["awareness"]["count"], rows["awareness"]["entries"]) == (6, 4)
    assert rows["outreach-approach"]["organisations"] == []
    code, out, _ = cli("summary", "--month", "--date", "2024-09-15", "--coordinator", "山田 花子")
    assert code == 0
    assert "2024年9月 (山田 花子)" in out
    assert "調和サロン" in out and "東部会" not in out
    code, out, _ = cli("summary", "--month", "--date", "2024-12-01")
    assert "この期間の記録はありません" in out


def test_summary_needs_week_or_month(cli: CLI, plan_dir: Path) -> None:
    code, _, err = cli("summary")
    assert code == 2 and "--week" in err
    code, _, _ = cli("summary", "--week", "--month")
    assert code == 2
    code, out, _ = cli("summary", "--week", "--json")
    assert code == 0 and json.loads(out)["period"] == "week"
