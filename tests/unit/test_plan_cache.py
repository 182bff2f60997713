"""Validated plans are cached: a start skips TOML and pydantic, an edit is validated again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import load_plan_file

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys; from pathlib import Path; from chofu_tui.plan import load_plan_file; "
    "plan = load_plan_file(Path(sys.argv[1])); "
    "print(plan.target('awareness').target, 'pydantic' in sys.modules)"
)


def probe(plan: Path, cache: Path) -> str:
    env = {**os.environ, "CHOFU_TUI_CACHE_DIR": str(cache)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(plan)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return run.stdout.strip()


def test_second_start_needs_no_pydantic(tmp_path: Path) -> None:
    plan = tmp_path / "plan-2024.toml"
    plan.write_bytes((bundled_plan_dir() / "plan-2024.toml").read_bytes())
    assert probe(plan, tmp_path / "cache") == "800 True"  # validated, then cached
    assert probe(plan, tmp_path / "cache") == "800 False"  # read from the cache
    plan.write_text(plan.read_text(encoding="utf-8").replace("target = 800", "target = 900", 1))
    assert probe(plan, tmp_path / "cache") == "900 True"  # an edit is validated again


def test_an_edit_that_breaks_the_plan_is_caught(tmp_path: Path) -> None:
    plan = tmp_path / "plan-2024.toml"
    text = (bundled_plan_dir() / "plan-2024.toml").read_text(encoding="utf-8")
    plan.write_text(text, encoding="utf-8")
    assert load_plan_file(plan).target("awareness").target == 800
    plan.write_text(text.replace("target = 800", "target = -1", 1), encoding="utf-8")
    with pytest.raises(UserError, match="0 以上"):
        load_plan_file(plan)


def test_a_damaged_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_CACHE_DIR", str(tmp_path / "cache"))
    plan = bundled_plan_dir() / "plan-2024.toml"
    load_plan_file(plan)
    (cached,) = (tmp_path / "cache" / "plans").iterdir()
    assert oct(cached.stat().st_mode & 0o777) == "0o600"
    cached.write_bytes(b"not a pickle")
    assert load_plan_file(plan).target("awareness").target == 800
