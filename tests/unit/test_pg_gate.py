"""Without PostgreSQL the office-database tests skip with a reason that says how to enable
them; in CI (CHOFU_TUI_PG_REQUIRED=1) the same absence fails instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_pg_tests(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/pg/test_pg_errors.py", "-k", "server_that_is_down"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "CHOFU_TUI_PG_BIN": "/nonexistent/bin", **env},
    )  # fmt: skip


def test_no_postgresql_skips_with_how_to_enable() -> None:
    done = _run_pg_tests(CHOFU_TUI_PG_REQUIRED="")
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert "apt-get install postgresql" in done.stdout


def test_no_postgresql_fails_when_required() -> None:
    done = _run_pg_tests(CHOFU_TUI_PG_REQUIRED="1")
    assert done.returncode != 0
    assert "skipped" not in done.stdout and "CHOFU_TUI_PG_REQUIRED=1" in done.stdout
