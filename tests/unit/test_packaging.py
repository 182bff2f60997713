"""The installed program: bundled plans load from a wheel; headless modules never import Textual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    # Build in-process with hatchling (a test extra): no network, no build isolation.
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return next(out.glob("*.whl"))


def test_wheel_carries_the_plans_and_they_load(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "chofu_tui/schema/plan-2024.toml" in names
        zf.extractall(tmp_path / "site")
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "site"),
        "CHOFU_TUI_PLAN_DIR": str(tmp_path / "plans"),
        "CHOFU_TUI_DB": str(tmp_path / "x.db"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "targets", "--fy", "2024", "--json"],
        cwd=tmp_path,  # not the checkout: only the installed copy can be found
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert len(data["targets"]) == 18
    probe = subprocess.run(
        [sys.executable, "-c", "import chofu_tui.paths as p; print(p.bundled_plan_dir())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip().startswith(str(tmp_path / "site"))


HEADLESS = [
    "chofu_tui.cli",
    "chofu_tui.plan",
    "chofu_tui.store",
    "chofu_tui.services.entries",
    "chofu_tui.services.progress",
    "chofu_tui.services.organisations",
]


def test_headless_modules_never_import_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {HEADLESS!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "[]"


def test_network_guard_is_active() -> None:
    import socket

    with pytest.raises(AssertionError, match="network connection attempted"):
        socket.create_connection(("127.0.0.1", 9))
