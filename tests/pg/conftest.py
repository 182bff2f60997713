"""PostgreSQL for the tests: one throwaway cluster per session (see cluster.py), a fresh
database per test. Without initdb the tests here are skipped with a reason that says how to
enable them, unless CHOFU_TUI_PG_REQUIRED=1 (CI), which turns the skip into a failure."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster import HOW_TO_ENABLE, Cluster, find_bin, make_cluster, remove, required

from chofu_tui.cli import main

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bin_dir = find_bin()
    if bin_dir is None:
        if required():
            pytest.fail(f"PostgreSQL が見つかりません (CHOFU_TUI_PG_REQUIRED=1)。{HOW_TO_ENABLE}")
        pytest.skip(HOW_TO_ENABLE)
    cluster = make_cluster(bin_dir)
    try:
        yield cluster
    finally:
        remove(cluster)


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A new, empty database on the session's cluster (the superuser's URL)."""
    name = f"t{next(_names)}"
    pg_cluster.psql(f"CREATE DATABASE {name}")
    return pg_cluster.url(name)


@pytest.fixture
def plan_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "plans"
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(d))
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CHOFU_TUI_DB", raising=False)
    return d


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, plan_dir: Path) -> str:
    """The same test on both engines: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "chofu.db")
    return request.getfixturevalue("pg_url")


class CLI:
    """Runs the command line in-process on one store: (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db: str) -> None:
        self.capsys = capsys
        self.db = db

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", self.db, *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *argv: str) -> str:
        code, out, err = self(*argv)
        assert code == 0, err
        return out

    def json(self, *argv: str) -> object:
        return json.loads(self.ok(*argv, "--json"))


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """run(db) -> a CLI bound to that store."""
    return lambda db: CLI(capsys, db)
