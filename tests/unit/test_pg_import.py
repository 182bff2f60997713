"""psycopg is loaded only when a postgresql:// URL is opened: neither --help nor a SQLite
user's command pays for it (peewee would import it at start-up when it is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _imported(tmp_path: Path, *args: str) -> set[str]:
    env = {**os.environ, "CHOFU_TUI_TODAY": "2024-10-01", "CHOFU_TUI_PLAN_DIR": str(tmp_path / "p")}
    env.pop("CHOFU_TUI_DB", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


def _psycopg(modules: set[str]) -> set[str]:
    """psycopg's own modules: importtime also lists an import that failed at once (peewee
    trying psycopg2, absent, and psycopg, blocked), so look for what only loading it makes."""
    return {m for m in modules if m.startswith(("psycopg.", "psycopg_binary", "psycopg2."))}


def test_help_does_not_import_psycopg(tmp_path: Path) -> None:
    modules = _imported(tmp_path, "-m", "chofu_tui", "--help")
    assert "chofu_tui.cli" in modules
    assert _psycopg(modules) == set()


def test_a_sqlite_store_is_used_without_psycopg(tmp_path: Path) -> None:
    code = (
        "from chofu_tui.cli import main\n"
        f"main(['--db', {str(tmp_path / 'c.db')!r}, 'add', '啓発', '--area', '1'])\n"
        f"main(['--db', {str(tmp_path / 'c.db')!r}, 'progress'])\n"
    )
    modules = _imported(tmp_path, "-c", code)
    assert "peewee" in modules and "chofu_tui.services.progress" in modules
    assert _psycopg(modules) == set()


def test_a_postgresql_url_loads_psycopg(tmp_path: Path) -> None:
    pytest.importorskip("chofu_tui.store.pg")
    code = (
        "from chofu_tui.cli import main\n"
        f"main(['--db', 'postgresql://x@/chofu?host={tmp_path}', 'log'])\n"
    )
    assert "psycopg.pq" in _psycopg(_imported(tmp_path, "-c", code))  # the check can see it
