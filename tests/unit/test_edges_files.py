"""Files the program writes (issue 8): report -o refusals, --force, free default names,
temporary files, a full disk or a file-size limit, and formula/control-character safe cells."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import peewee
import pytest
from conftest import CLI, file_digest, table_dump

from chofu_tui import cli as cli_module
from chofu_tui.errors import DISK_FULL_MESSAGE, FILE_SIZE_MESSAGE, storage_error
from chofu_tui.safetext import has_controls

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPES = "\x1b[2J\x1b]0;title\x07"
DEFUSED = "画面消去"  # the note below without its escape sequences


def seed(cli: CLI, n: int = 2) -> list[str]:
    uuids = []
    for i in range(n):
        code, out, err = cli(
            "add", "awareness", "--date", "2024-05-10", "--area", "2", "--note", f"記録{i}"
        )
        assert code == 0, err
        uuids.append(out.splitlines()[0])  # the new id is the first line
    return uuids


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


# --- report -o: what it refuses ------------------------------------------------------------


@pytest.fixture
def seeded(cli: CLI, db_path: Path) -> Path:
    seed(cli)
    return db_path


def _targets(db: Path, tmp_path: Path) -> dict[str, Path]:
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES ('another program''s data')")
    con.commit()
    con.close()
    (tmp_path / "store-link.csv").symlink_to(db)
    (tmp_path / "afolder").mkdir()
    os.mkfifo(tmp_path / "a-fifo")
    # a private null device, never /dev/null: a program that replaces its target would
    # replace the system's (as root, the test's user in CI)
    with contextlib.suppress(OSError):
        os.mknod(tmp_path / "a-device", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "a-socket"))
    sock.close()
    return {
        "store": db,
        "store-link": tmp_path / "store-link.csv",
        "wal": Path(f"{db}-wal"),
        "shm": Path(f"{db}-shm"),
        "other-sqlite": other,
        "folder": tmp_path / "afolder",
        "device": tmp_path / "a-device",
        "fifo": tmp_path / "a-fifo",
        "socket": tmp_path / "a-socket",
    }


def _state(path: Path) -> object:
    if path.is_symlink() or not path.exists():
        return (path.is_symlink(), path.exists())
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return file_digest(path)
    if stat.S_ISDIR(mode):
        return sorted(p.name for p in path.iterdir())
    return stat.S_IFMT(mode)


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize(
    "which",
    ["store", "store-link", "wal", "shm", "other-sqlite", "folder", "device", "fifo", "socket"],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md"])
def test_report_o_never_writes_over_the_store_an_sqlite_file_a_folder_or_a_device(
    seeded: Path, tmp_path: Path, cli: CLI, which: str, force: bool, fmt: str
) -> None:
    db = seeded
    targets = _targets(db, tmp_path)
    holder = None
    if which in ("wal", "shm"):  # while another program has the store open, they exist
        holder = sqlite3.connect(db)
        holder.execute("SELECT count(*) FROM entry").fetchall()
        assert targets[which].exists()
    path = targets[which]
    if which == "device" and not path.exists():
        pytest.skip("cannot make a device node here (needs root)")
    before_store, before_target = table_dump(db), _state(path)
    try:
        argv = ["report", "--fy", "2024", "--format", fmt, "-o", str(path)]
        code, out, err = cli(*argv, *(["--force"] if force else []))
    finally:
        if holder is not None:
            holder.close()
    assert code == 2, err
    assert err.startswith("エラー: ")
    assert "書き込みません" in err or "フォルダーです" in err
    assert out == ""
    assert table_dump(db) == before_store
    assert integrity(db) == "ok"
    if which not in ("wal", "shm"):
        assert _state(path) == before_target
    assert not [p for p in tmp_path.iterdir() if ".chofu-tmp" in p.name]


def test_report_o_refuses_the_store_side_files_even_when_absent(seeded: Path, cli: CLI) -> None:
    wal = Path(f"{seeded}-wal")
    assert not wal.exists()
    code, _, err = cli("report", "--fy", "2024", "--format", "csv", "-o", str(wal), "--force")
    assert code == 2 and "データベース" in err
    assert not wal.exists()


def test_report_o_onto_an_existing_file_needs_force(
    seeded: Path, tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.csv"
    mine.write_text("a spreadsheet someone made by hand\n", encoding="utf-8")
    before = file_digest(mine)
    code, out, err = cli("report", "--fy", "2024", "--format", "csv", "-o", "mine.csv")
    assert code == 2
    assert "既にあります" in err and "--force" in err
    assert file_digest(mine) == before

    code, out, err = cli("report", "--fy", "2024", "--format", "csv", "-o", "mine.csv", "--force")
    assert code == 0, err
    assert out.strip() == str(mine)  # the whole path, though -o was relative
    assert "目標ID" in mine.read_text(encoding="utf-8-sig")


def test_report_o_through_a_link_writes_the_file_it_points_to(
    seeded: Path, tmp_path: Path, cli: CLI
) -> None:
    real = tmp_path / "shared" / "r.csv"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "r.csv"
    link.symlink_to(real)
    code, out, err = cli("report", "--fy", "2024", "--format", "csv", "-o", str(link), "--force")
    assert code == 0, err
    assert link.is_symlink()  # the link is kept; the report is where it points
    assert "目標ID" in real.read_text(encoding="utf-8-sig")
    assert out.strip() == str(real)


def test_default_names_get_a_suffix_and_the_whole_path_is_printed(
    seeded: Path, tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    first = work / "chofu-report-R6-2024-10-01.xlsx"
    code, out, err = cli("report", "--fy", "2024", "--format", "xlsx")
    assert code == 0, err
    assert out.strip() == str(first) and str(first) in err
    digest = file_digest(first)
    for n in (2, 3):
        code, out, err = cli("report", "--fy", "2024", "--format", "xlsx")
        assert code == 0, err
        expected = work / f"chofu-report-R6-2024-10-01-{n}.xlsx"
        assert out.strip() == str(expected) and str(expected) in err
        assert expected.is_file()
    assert file_digest(first) == digest  # an earlier report is never replaced
    code, out, _ = cli(
        "report", "--fy", "2024", "--format", "csv", "--view", "notes", "--include-notes"
    )
    assert out.strip() == str(work / "chofu-report-R6-notes-2024-10-01.csv")


async def test_x_export_takes_a_free_name_and_shows_the_whole_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from textual.app import App

    from chofu_tui.context import Context
    from chofu_tui.fiscal import FiscalYear
    from chofu_tui.plan import PlanCatalog
    from chofu_tui.screens.report import ReportScreen

    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(tmp_path / "plans"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    taken = tmp_path / "exports" / "chofu-report-R6-2024-09-30.xlsx"
    taken.write_bytes(b"last month's report")
    ctx = Context.open(tmp_path / "chofu.db", catalog=PlanCatalog(user_dir=tmp_path / "plans"))

    class ReportApp(App):
        def on_mount(self) -> None:
            plan = ctx.catalog.get(FiscalYear(2024)).plan
            self.push_screen(ReportScreen(ctx, plan, dt.date(2024, 9, 30)))

    app = ReportApp()
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReportScreen)
            screen.export_dir = Path("exports")  # relative: the toast still says where exactly
            await pilot.press("x")
            await app.workers.wait_for_complete()
            await pilot.pause()
            messages = [n.message for n in app._notifications]
    finally:
        ctx.close()
    written = tmp_path / "exports" / "chofu-report-R6-2024-09-30-2.xlsx"
    assert written.is_file()
    assert taken.read_bytes() == b"last month's report"
    assert any(f"出力しました: {written}" in m for m in messages), messages


# --- temporary files ---------------------------------------------------------------------


def test_xlsx_sheet_files_stay_beside_the_report_and_go(
    seeded: Path, tmp_path: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chofu_tui.services.report import xlsx_writer as report_xlsx

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".r.xlsx.deadbeef.chofu-tmp"  # a sheet file of a killed run, with notes
    stale.write_text("<row>記録0</row>")
    seen: list[tuple[str, int]] = []
    fill = report_xlsx.fill_workbook

    def watching(wb, report) -> None:  # type: ignore[no-untyped-def]
        fill(wb, report)
        seen.extend((p.name, p.stat().st_mode & 0o777) for p in out.iterdir())
        seen.extend((p.name, 0) for p in system_tmp.iterdir())

    monkeypatch.setattr(report_xlsx, "fill_workbook", watching)
    code, _, err = cli("report", "--fy", "2024", "--format", "xlsx", "-o", str(out / "r.xlsx"))
    assert code == 0, err
    assert seen and all(name.startswith(".r.xlsx.") for name, _ in seen)
    assert all(mode == 0o600 for _, mode in seen)
    # the workbook is made in memory (XlsxWriter): no sheet files at all, only the report's
    # own temporary file, beside it (the stale one of a killed run already removed)
    assert len(seen) == 1
    assert [p.name for p in out.iterdir()] == ["r.xlsx"]
    assert list(system_tmp.iterdir()) == []


def _python(code: str, env: dict[str, str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, **kw
    )


def test_a_killed_xlsx_report_leaves_no_notes_in_tmp_and_the_next_run_cleans_up(
    seeded: Path, tmp_path: Path, cli: CLI
) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp)}
    killed = _python(
        "import os, signal, sys\n"
        "from chofu_tui.services.report import xlsx_writer as report_xlsx\n"
        "from chofu_tui.cli import main\n"
        "fill = report_xlsx.fill_workbook\n"
        "def die(wb, report):\n"
        "    fill(wb, report)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "report_xlsx.fill_workbook = die\n"
        f"main(['report', '--fy', '2024', '--format', 'xlsx', '-o', {str(out / 'r.xlsx')!r}])\n",
        env,
    )
    assert killed.returncode == -signal.SIGKILL
    assert list(system_tmp.iterdir()) == []  # no /tmp/openpyxl.* with the notes
    left = list(out.iterdir())
    assert left and all(p.name.startswith(".r.xlsx.") for p in left)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in left)

    code, _, err = cli("report", "--fy", "2024", "--format", "xlsx", "-o", str(out / "r.xlsx"))
    assert code == 0, err
    assert [p.name for p in out.iterdir()] == ["r.xlsx"]


def test_backup_after_a_killed_backup_works_and_removes_its_copy(
    seeded: Path, tmp_path: Path, cli: CLI
) -> None:
    dest = tmp_path / "usb" / "sato.db"
    dest.parent.mkdir()
    leftover = dest.parent / ".sato.db.0badcafe.chofu-tmp"
    leftover.write_bytes(seeded.read_bytes())  # what a killed backup leaves: every note
    legacy = dest.parent / ".sato.db.tmp"  # ... and what earlier versions left
    legacy.write_bytes(seeded.read_bytes())
    code, out, err = cli("backup", str(dest))
    assert code == 0, err
    assert out.strip() == str(dest)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["sato.db"]
    assert dest.stat().st_mode & 0o777 == 0o600
    # all but this laptop's device_id: a copy put to use takes its own (issue 14)
    mine = [r for r in table_dump(seeded) if r[:2] != ("setting", "device_id")]
    assert table_dump(dest) == mine


def test_backup_refuses_the_store_and_its_side_files(seeded: Path, cli: CLI) -> None:
    for dest in (seeded, Path(f"{seeded}-wal"), Path(f"{seeded}-shm")):
        before = table_dump(seeded)
        code, out, err = cli("backup", str(dest))
        assert code == 2 and err.startswith("エラー: ") and out == ""
        assert table_dump(seeded) == before
    assert not Path(f"{seeded}-wal").exists()


# --- a full disk, a file-size limit --------------------------------------------------------


def _limited(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _run_limited(argv: list[str], cwd: Path, limit: int = 1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from chofu_tui.cli import main; sys.exit(main())",
            *argv,
        ],
        env={**os.environ, "TMPDIR": str(cwd / "system-tmp")},
        cwd=cwd,
        preexec_fn=lambda: _limited(limit),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def held(seeded: Path) -> Iterator[Path]:
    """Another program has the store open (its -wal/-shm exist), as while the app runs."""
    con = sqlite3.connect(seeded)
    con.execute("SELECT count(*) FROM entry").fetchall()
    yield seeded
    con.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_FSIZE needs POSIX")
@pytest.mark.parametrize("command", ["add", "delete", "settings", "backup", "merge", "report"])
def test_a_file_size_limit_is_exit_2_with_a_message_and_the_store_unchanged(
    held: Path, tmp_path: Path, cli: CLI, command: str
) -> None:
    db = held
    uuid = table_dump(db)  # the store before
    work = tmp_path / "work"
    (work / "system-tmp").mkdir(parents=True)
    source = tmp_path / "laptop2.db"
    if command == "merge":  # another laptop's store with an entry this one lacks
        code, _, err = cli(
            "--db", str(source), "add", "awareness", "--area", "3", "--date", "2024-06-01"
        )
        assert code == 0, err
        source_holder = sqlite3.connect(source)
        source_holder.execute("SELECT count(*) FROM entry").fetchall()
    first_uuid = next(r[2] for r in uuid if r[0] == "entry")
    argv = {
        "add": ["add", "awareness", "--area", "2", "--note", "新しい記録"],
        "delete": ["delete", first_uuid],
        "settings": ["settings", "--coordinator", "佐藤", "--area", "3"],
        "backup": ["backup", str(work / "copy.db")],
        "merge": ["merge", str(source)],
        "report": ["report", "--fy", "2024", "--format", "xlsx"],
    }[command]
    result = _run_limited(["--db", str(db), *argv], work)
    if command == "merge":
        source_holder.close()
    assert result.returncode == 2, result.stderr
    assert "ファイルサイズの上限" in result.stderr
    assert "予期しない" not in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert table_dump(db) == uuid
    assert integrity(db) == "ok"
    assert sorted(p.name for p in work.rglob("*")) == ["system-tmp"]  # nothing half-written


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_FSIZE needs POSIX")
def test_plan_new_under_a_file_size_limit_says_so_and_leaves_nothing(
    cli: CLI, plan_dir: Path, tmp_path: Path
) -> None:
    plan_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "system-tmp").mkdir()
    result = _run_limited(["plan", "new", "--fy", "2026"], tmp_path)
    assert result.returncode == 2, result.stderr
    assert "ファイルサイズの上限" in result.stderr
    assert list(plan_dir.iterdir()) == []


def test_a_full_disk_inside_any_command_is_exit_2_not_an_unexpected_error(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resource

    if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
        pytest.skip("this test process runs under a file-size limit")
    # a real SQLITE_FULL inside a peewee transaction: SQLite rolls back, then peewee's own
    # rollback fails with "cannot rollback", which used to hide the cause
    scratch = peewee.SqliteDatabase(str(tmp_path / "scratch.db"))
    scratch.execute_sql("CREATE TABLE t (x)")

    def full(ctx, args) -> int:  # type: ignore[no-untyped-def]
        scratch.execute_sql("PRAGMA max_page_count = 3")
        with scratch.atomic():
            scratch.execute_sql("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
        return 0

    monkeypatch.setitem(cli_module.COMMANDS, "log", full)
    code, _, err = cli("log")
    assert code == 2
    assert DISK_FULL_MESSAGE in err and "予期しない" not in err


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), DISK_FULL_MESSAGE),
        (OSError(errno.EFBIG, "File too large"), FILE_SIZE_MESSAGE),
    ],
)
def test_storage_errors_are_recognised_behind_other_errors(exc: OSError, message: str) -> None:
    try:
        try:
            raise exc
        except OSError:
            raise RuntimeError("cleanup failed too") from None
    except RuntimeError as outer:
        outer.__context__ = exc  # what `raise ... from None` keeps for us to look at
        found = storage_error(outer)
    assert found is not None and found.message == message and found.exit_code == 2
    assert storage_error(ValueError("something else")) is None


# --- formulas and control characters -----------------------------------------------------


@pytest.fixture
def hostile(cli: CLI, db_path: Path) -> Path:
    """Rows as another program or an old version may have stored them."""
    for org in ("=1+2", "普通の団体"):
        code, _, err = cli(
            "add", "community-approach", "--date", "2024-06-01", "--area", "2", "--org", org
        )
        assert code == 0, err
    seed(cli, 4)
    con = sqlite3.connect(db_path)
    notes = ["=1+2", '=HYPERLINK("http://example.com","x")', "-3+4", f"画面{ESCAPES}消去"]
    ids = [r[0] for r in con.execute("SELECT id FROM entry ORDER BY id")]
    for entry_id, note in zip(ids[2:], notes, strict=True):
        con.execute("UPDATE entry SET note = ? WHERE id = ?", (note, entry_id))
    con.execute("UPDATE entry SET note = '団体を訪問' WHERE id IN (?, ?)", ids[:2])
    con.execute("UPDATE entry SET coordinator = '@SUM(1+1)' WHERE id = ?", (ids[0],))
    con.execute("UPDATE entry SET coordinator = ? WHERE id = ?", (f"山田{ESCAPES}", ids[1]))
    con.execute("UPDATE organisation SET name = '=1+2' WHERE name = '=1+2'")
    con.commit()
    con.close()
    return db_path


def test_xlsx_cells_of_user_text_are_strings_never_formulas(
    hostile: Path, tmp_path: Path, cli: CLI
) -> None:
    path = tmp_path / "r.xlsx"
    argv = ["report", "--fy", "2024", "--format", "xlsx", "--include-notes", "-o", str(path)]
    code, _, err = cli(*argv)
    assert code == 0, err
    wb = openpyxl.load_workbook(path)
    values, formulas, controls = [], [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(f"{ws.title}!{cell.coordinate}")
                if isinstance(cell.value, str) and has_controls(cell.value, multiline=True):
                    controls.append(f"{ws.title}!{cell.coordinate}")
                values.append(cell.value)
    assert formulas == []
    assert controls == []
    assert "=1+2" in values  # the note and the organisation, as text
    assert '=HYPERLINK("http://example.com","x")' in values
    assert "@SUM(1+1)" in values  # a coordinator column header and a note row
    assert DEFUSED in values
    notes = wb["記録"]
    head = next(
        r for r in range(1, 12) if notes.cell(r, 1).value == "日付"
    )  # below the title block
    header = [c.value for c in notes[head]]
    rows = notes.iter_rows(min_row=head + 1, values_only=True)
    counts = [r[header.index("回数")] for r in rows]
    assert 1 in counts and all(c is None or isinstance(c, int) for c in counts)


@pytest.mark.parametrize("view", ["coordinator", "notes"])  # the views that carry user text
def test_csv_cells_of_user_text_never_start_a_formula(
    hostile: Path, tmp_path: Path, cli: CLI, view: str
) -> None:
    path = tmp_path / f"{view}.csv"
    argv = ["report", "--fy", "2024", "--format", "csv", "--view", view, "-o", str(path)]
    code, _, err = cli(*argv, "--include-notes")
    assert code == 0, err
    text = path.read_text(encoding="utf-8-sig")
    assert "\x1b" not in text and "\x07" not in text
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    if view == "coordinator":
        assert "'@SUM(1+1)" in rows[0]
    if view == "notes":
        assert {"'=1+2", "'-3+4", '\'=HYPERLINK("http://example.com","x")'} <= set(cells)
        assert DEFUSED in cells
        count_col = rows[0].index("回数")
        assert all(r[count_col].isdigit() for r in rows[1:])  # numbers stay numbers


def test_markdown_to_the_terminal_carries_no_escape_codes(hostile: Path, cli: CLI) -> None:
    for view in ("notes", "coordinator"):
        code, out, err = cli("report", "--fy", "2024", "--view", view, "--include-notes")
        assert code == 0, err
        assert "\x1b" not in out and "\x07" not in out
    code, out, _ = cli("report", "--fy", "2024", "--view", "notes", "--include-notes")
    assert DEFUSED in out and "山田" in out


def test_a_killed_copys_journal_goes_with_it(tmp_path: Path) -> None:
    """SQLite writes a -journal beside a temporary copy; a kill leaves both behind."""
    from chofu_tui import files

    target = tmp_path / "b.db"
    (tmp_path / ".b.db.dead.chofu-tmp").write_bytes(b"notes")
    (tmp_path / ".b.db.dead.chofu-tmp-journal").write_bytes(b"notes")
    (tmp_path / ".b.db.gone.chofu-tmp-journal").write_bytes(b"notes")
    files.write_bytes(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.db"]
