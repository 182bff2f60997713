from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from chofu_tui.cli import main
from chofu_tui.plan import PlanCatalog
from chofu_tui.store import open_store


@pytest.fixture
def plan_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "plans"
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(d))
    return d


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan_dir: Path) -> Path:
    path = tmp_path / "data" / "chofu.db"
    path.parent.mkdir()  # an explicit path (CHOFU_TUI_DB) needs an existing folder
    monkeypatch.setenv("CHOFU_TUI_DB", str(path))
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    return path


@pytest.fixture
def catalog(plan_dir: Path) -> PlanCatalog:
    return PlanCatalog(user_dir=plan_dir)


@pytest.fixture
def store(db_path: Path):
    db = open_store(db_path)
    yield db
    db.close()


class CLI:
    """Runs the command line in-process and returns (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> dict:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path) -> CLI:
    return CLI(capsys)


def table_dump(path: Path) -> list[tuple]:
    """Every row of every table, to show that a refused command changed nothing."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *row) for t in sorted(tables) for row in con.execute(f"SELECT * FROM {t}")]
    finally:
        con.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def dump() -> Callable[[Path], list[tuple]]:
    return table_dump
