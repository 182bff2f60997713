"""Plan files: validation messages, the generated JSON Schema, `plan new`, user overrides."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import PlanCatalog, load_plan_file
from chofu_tui.plan.jsonschema import SCHEMA_PATH, render
from tests.unit.conftest import CLI, table_dump

BUNDLED = bundled_plan_dir() / "plan-2024.toml"


def test_json_schema_is_fresh() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "schema/plan.schema.json is stale: run `python -m chofu_tui.plan.jsonschema`"
    )
    schema = json.loads(render())
    assert schema["additionalProperties"] is False


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "plan-2024.toml"
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('id = "awareness"', 'id = "awareness"\ncolour = "red"', "知らない項目です"),
        ("target = 800", "target = -800", "0 以上にしてください"),
        ("target = 800", 'target = "many"', "整数にしてください"),
        ('kind = "distinct"', 'kind = "distinctive"', "kind"),
        ("fiscal_year = 2024", "fiscal_year = [", "書式が正しくありません"),
    ],
)
def test_broken_plan_names_file_field_and_problem(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(UserError) as info:
        load_plan_file(path)
    assert str(path) in info.value.message and says in info.value.message


def test_broken_plan_field_path(tmp_path: Path) -> None:
    path = _broken(tmp_path, "target = 800", "target = -800")
    with pytest.raises(
        UserError, match=r"program_areas\[0\]\.initiatives\[1\]\.targets\[0\]\.target"
    ):
        load_plan_file(path)


def test_plan_check_and_broken_user_plan_exit_2(cli: CLI, plan_dir: Path, db_path: Path) -> None:
    code, out, _ = cli("plan", "check", str(BUNDLED))
    assert code == 0 and "目標 18 件" in out
    plan_dir.mkdir(parents=True)
    (plan_dir / "plan-2024.toml").write_text("fiscal_year = 2024\n", encoding="utf-8")
    code, _, err = cli("targets", "--fy", "2024")
    assert code == 2 and "plan-2024.toml" in err and "Traceback" not in err
    code, _, err = cli("add", "awareness", "--area", "1", "--date", "2024-05-01")
    assert code == 2 and "plan-2024.toml" in err
    assert table_dump(db_path) == [] or all(row[0] != "entry" for row in table_dump(db_path))


def test_plan_new_writes_next_year(cli: CLI, plan_dir: Path) -> None:
    code, out, err = cli("plan", "new", "--fy", "2026", "--from", "2024")
    assert code == 0, err
    path = Path(out.strip())
    assert path == plan_dir / "plan-2026.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["fiscal_year"] == 2026 and data["issued"].isoformat() == "2026-04-01"
    assert data["title"].startswith("令和8年度")
    targets = cli.json("targets", "--fy", "R8")
    assert targets["label"] == "令和8年度" and len(targets["targets"]) == 18
    assert "令和8年度地域福祉ファシリテーター養成講座" in {t["label"] for t in targets["targets"]}
    code, _, err = cli("plan", "new", "--fy", "2026")
    assert code == 2 and "既にあります" in err


def test_user_plan_overrides_bundled(plan_dir: Path) -> None:
    plan_dir.mkdir(parents=True)
    text = BUNDLED.read_text(encoding="utf-8").replace("target = 800", "target = 900", 1)
    (plan_dir / "plan-2024.toml").write_text(text, encoding="utf-8")
    loaded = PlanCatalog(user_dir=plan_dir).get(FiscalYear(2024))
    assert not loaded.bundled and loaded.plan.target("awareness").target == 900


def test_choose_says_why_when_today_has_no_plan(catalog: PlanCatalog) -> None:
    import datetime as dt

    fy, why = catalog.choose(dt.date(2026, 11, 28))
    assert fy == FiscalYear(2024) and why and "令和8年度の計画がまだありません" in why
    assert catalog.choose(dt.date(2024, 11, 28)) == (FiscalYear(2024), None)
