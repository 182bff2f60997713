"""The command line as a package: one module per command group, Japanese through its own
parser class (argparse itself untouched), and the checks that belong to services there."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import chofu_tui.cli
from chofu_tui.cli.parser import JaParser
from chofu_tui.errors import UserError
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import PlanCatalog
from tests.unit.conftest import CLI, table_dump

CLI_DIR = Path(chofu_tui.cli.__file__).parent
GROUPS = (
    *("entries", "progress", "summary", "report", "evaluation", "plan", "settings", "stores"),
    "security",
    "backups",
    "conflicts",
    "history",
    "orgs",
    "purge",
    "sync",
)


def test_every_command_group_is_a_module_and_every_command_reads_in_one_screen() -> None:
    assert hasattr(chofu_tui.cli, "__path__")  # a package
    names = {c.name for c in chofu_tui.cli.ALL}
    assert names == set(chofu_tui.cli.COMMANDS)
    # edit, summary (issue 12) and evaluation (issue 11) joined; encrypt, decrypt, backups,
    # restore-backup, sync, conflicts, history, orgs and purge (issues 13 and 14)
    assert len(names) == 24
    for group in GROUPS:
        module = importlib.import_module(f"chofu_tui.cli.{group}")
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("cmd_"):
                lines = (node.end_lineno or 0) - node.lineno + 1
                assert lines <= 60, f"{group}.{node.name} is {lines} lines"


def test_argparse_is_not_patched_for_the_whole_process() -> None:
    code = (
        "import argparse, contextlib, io, sys\n"
        "from chofu_tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(argparse.ArgumentParser(prog='other').format_help())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("usage: other")  # another program's parser keeps English
    assert "options:" in out.stdout and "使い方" not in out.stdout


def test_help_is_japanese_with_one_options_group(cli: CLI) -> None:
    for argv in (("-h",), ("add", "-h"), ("plan", "new", "-h")):
        code, out, _ = cli(*argv)
        assert code == 0 and out.startswith("使い方: chofu-tui")
        assert out.count("オプション:") == 1, out  # --db sits with the others
        assert "usage:" not in out and "options:" not in out and "positional" not in out
    _, out, _ = cli("-h")
    assert "引数:" in out
    # (the column's width follows the longest command name: restore-backup)
    assert re.search(r"--version +版を表示して終了する", out)


def test_a_parse_error_is_japanese_on_stderr_with_usage(cli: CLI) -> None:
    code, out, err = cli("report", "--format", "docx")
    assert code == 2 and out == ""
    assert err.startswith("使い方: chofu-tui report")
    assert "エラー: 引数 --format: 選べない値です" in err


def test_a_parent_parser_has_no_help_of_its_own() -> None:
    parent = JaParser(add_help=False)
    parent.add_argument("--db")
    child = JaParser(prog="x", parents=[parent])
    assert [a.option_strings for a in child._actions] == [["--db"], ["-h", "--help"]]


def test_plan_alone_shows_its_actions(cli: CLI) -> None:
    code, out, _ = cli("plan")
    assert code == 0 and out.startswith("使い方: chofu-tui plan")
    assert "new" in out and "check" in out


def test_the_entry_point_and_python_m_run_main() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "chofu-tui"]
    assert script.value == "chofu_tui.cli:main" and script.load() is chofu_tui.cli.main
    out = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("chofu-tui ")


# --- checks that moved to the services ------------------------------------------------------


def _misnamed(tmp_path: Path) -> Path:
    path = tmp_path / "plan-2031.toml"
    path.write_bytes((bundled_plan_dir() / "plan-2024.toml").read_bytes())
    return path


def test_the_plan_loader_checks_a_file_name_against_its_fiscal_year(tmp_path: Path) -> None:
    from chofu_tui.plan.loader import check_plan_file

    with pytest.raises(UserError, match="fiscal_year が 2024 ですが、ファイル名は 2031 年度です"):
        check_plan_file(_misnamed(tmp_path))
    other = tmp_path / "council.toml"  # a name without a year is not held to one
    other.write_bytes(_misnamed(tmp_path).read_bytes())
    assert check_plan_file(other).fiscal_year == 2024


def test_plan_check_refuses_a_misnamed_file(cli: CLI, tmp_path: Path) -> None:
    code, out, err = cli("plan", "check", str(_misnamed(tmp_path)))
    assert code == 2 and out == ""
    assert "ファイル名は 2031 年度です" in err


def test_the_merge_service_refuses_the_open_store_itself(
    store: object, db_path: Path, catalog: PlanCatalog, tmp_path: Path
) -> None:
    from chofu_tui.services.merge import merge_stores

    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    before = table_dump(db_path)
    for source in (db_path, link):
        with pytest.raises(UserError, match="取り込み先と同じデータベースは取り込めません"):
            merge_stores([source], catalog)
    assert table_dump(db_path) == before


def test_merge_on_the_command_line_refuses_the_target(cli: CLI, db_path: Path) -> None:
    assert cli("add", "awareness", "--area", "1", "--date", "2024-05-01")[0] == 0
    before = table_dump(db_path)
    code, _, err = cli("merge", str(db_path))
    assert code == 2 and "取り込み先と同じデータベース" in err
    assert table_dump(db_path) == before


def test_the_backup_service_refuses_the_open_store_and_its_side_files(
    store: object, db_path: Path
) -> None:
    from chofu_tui.services.backups import backup_store

    for dest in (db_path, Path(f"{db_path}-wal")):
        with pytest.raises(UserError, match="このデータベース自身"):
            backup_store(dest)


def test_a_command_gets_a_typed_context(monkeypatch: pytest.MonkeyPatch, cli: CLI) -> None:
    from chofu_tui.context import Context

    seen: list[object] = []

    def spy(ctx: Context, args: argparse.Namespace) -> int:
        seen.append(ctx)
        return 0

    monkeypatch.setitem(chofu_tui.cli.COMMANDS, "log", spy)
    assert cli("log")[0] == 0
    assert isinstance(seen[0], Context) and seen[0].db_path is not None
