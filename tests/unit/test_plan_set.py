"""`plan set`: a year's targets changed from the command line, comments kept, refusals harmless."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.services.plan_edit import set_targets


def _awareness(cli) -> dict:
    data = cli.json("progress", "--fy", "2024")
    return next(t for t in data["targets"] if t["id"] == "awareness")


def test_plan_set_changes_the_value_keeps_comments_and_counts_at_once(cli, plan_dir: Path):
    assert _awareness(cli)["target"] == 800
    code, out, err = cli("plan", "set", "--fy", "2024", "啓発=900")
    assert code == 0, err
    assert "啓発件数: 目標 800 → 900 回" in out
    path = plan_dir / "plan-2024.toml"
    assert str(path) in out
    text = path.read_text(encoding="utf-8")
    # the bundled plan's comments are kept in the user's copy
    assert "# 8 福祉圏域 (第6次地域福祉活動計画)" in text
    assert "# Coordinators: roster left empty (editable data)." in text
    assert "target = 900" in text
    # the figure's target changed at once (the plan cache keys on the file's content)
    assert _awareness(cli)["target"] == 900

    # a second edit of the user's file: its own comment kept too
    path.write_text(text.replace("target = 900", "target = 900  # 係長と確認済み"), "utf-8")
    code, _, err = cli("plan", "set", "--fy", "2024", "awareness=950", "awareness.short=啓発")
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert "target = 950  # 係長と確認済み" in text
    assert 'short = "啓発"' in text
    assert _awareness(cli)["target"] == 950


def test_plan_set_label_and_short_by_number(cli, plan_dir: Path):
    code, _, err = cli("plan", "set", "--fy", "2024", "1.label=団体への働きかけ", "1.short=")
    assert code == 0, err
    data = cli.json("progress", "--fy", "2024")
    first = next(t for t in data["targets"] if t["id"] == "outreach-approach")
    assert first["label"] == "団体への働きかけ"
    assert 'short = "団体等への働きかけ"' not in (plan_dir / "plan-2024.toml").read_text("utf-8")


@pytest.mark.parametrize(
    "assignment",
    [
        "啓発=-1",
        "啓発=1.5",
        "啓発=たくさん",
        "啓発=",
        "awareness.label=",
        "awareness.label=二行\n目",
        "awareness.short=" + "あ" * 21,
        "ケース=3",  # two targets: ambiguous
        "no-such-target=3",
        "啓発",  # no `=`
        "啓発=99999999999999999999",
    ],
)
def test_plan_set_refusals_leave_the_file_byte_identical(cli, plan_dir: Path, assignment: str):
    assert cli("plan", "set", "--fy", "2024", "outreach-approach=81")[0] == 0
    path = plan_dir / "plan-2024.toml"
    before = path.read_bytes()
    # a good change beside the bad one is not written either
    code, _, err = cli("plan", "set", "--fy", "2024", "awareness=1", assignment)
    assert code == 2
    assert "エラー" in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in plan_dir.iterdir()) == ["plan-2024.toml"]


def test_plan_set_refused_on_a_bundled_plan_writes_no_user_copy(cli, plan_dir: Path):
    code, _, err = cli("plan", "set", "--fy", "2024", "啓発=x")
    assert code == 2, err
    assert not plan_dir.exists() or not any(plan_dir.iterdir())


def test_plan_set_without_a_plan_for_the_year(cli, plan_dir: Path):
    code, _, err = cli("plan", "set", "--fy", "2031", "啓発=3")
    assert code == 2
    assert "plan new --fy 2031" in err


def test_plan_set_keeps_the_catalog_current(plan_dir: Path):
    catalog = PlanCatalog(user_dir=plan_dir)
    fy = FiscalYear(2024)
    assert catalog.get(fy).bundled
    set_targets(catalog, fy, ["awareness=5"])
    loaded = catalog.get(fy)
    assert not loaded.bundled
    assert loaded.plan.target("awareness").target == 5


def test_plan_set_in_a_subprocess(tmp_path: Path):
    env = {
        **os.environ,
        "CHOFU_TUI_PLAN_DIR": str(tmp_path / "plans"),
        "CHOFU_TUI_DB": str(tmp_path / "chofu.db"),
        "CHOFU_TUI_TODAY": "2024-10-01",
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chofu_tui", *argv],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    done = run("plan", "set", "--fy", "R6", "啓発=812")
    assert done.returncode == 0, done.stderr
    progress = json.loads(run("progress", "--fy", "2024", "--json").stdout)
    assert next(t for t in progress["targets"] if t["id"] == "awareness")["target"] == 812
    refused = run("plan", "set", "--fy", "2024", "啓発=-3")
    assert refused.returncode == 2
    assert "0 以上の整数" in refused.stderr
