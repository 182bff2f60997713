"""Stores and locks at the edges (issue 8): simultaneous first starts, opening without
writing, foreign files left byte for byte, typed paths that need a folder, read-only stores,
merge sources never written beside, and a plan cache that cannot run code."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from chofu_tui.errors import StoreError
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import PlanCatalog, cache, load_plan_file
from chofu_tui.services import entries
from chofu_tui.store import SCHEMA_VERSION
from chofu_tui.store import db as store_db
from chofu_tui.store.models import Setting, database
from tests.unit.conftest import CLI, table_dump

ROOT = Path(__file__).resolve().parents[2]
ADD = ("add", "awareness", "--area", "1", "--date", "2024-05-01")


def child_env(tmp: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CHOFU_TUI_PLAN_DIR": str(tmp / "plans"),
        "CHOFU_TUI_CACHE_DIR": str(tmp / "cache"),
        "CHOFU_TUI_TODAY": "2024-10-01",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CHOFU_TUI_DB", None)
    return env


def listing(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another program in the middle of a write: BEGIN IMMEDIATE and an insert, no commit."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO setting (key, value) VALUES ('someone-else', 'writing')")
    return con


def make_v1_store(path: Path) -> None:
    db = SqliteDatabase(str(path))
    database.initialize(db)
    db.connect()
    store_db.MIGRATIONS[0](db)
    db.execute_sql("PRAGMA user_version = 1")
    Setting.create(key="device_id", value="v1-laptop")
    db.close()


# ------------------------------------------------------------ simultaneous first starts

# Each child imports everything first, then waits at a gate, so that they open the new
# store at the same moment (the race is in opening, not in starting Python).
GATED_CLI = """
import os, sys, time
from chofu_tui.cli import main
import chofu_tui.context, chofu_tui.store, chofu_tui.services.entries
ready, go = sys.argv[1], sys.argv[2]
open(ready, "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.001)
sys.exit(main(sys.argv[3:]))
"""


def test_simultaneous_first_starts_make_one_store(tmp_path: Path) -> None:
    env = child_env(tmp_path)
    # a validated plan in the cache, so the children do not all validate it at once
    subprocess.run([sys.executable, "-m", "chofu_tui", "targets"], env=env, check=True,
                   capture_output=True, cwd=tmp_path)  # fmt: skip
    n = 8
    for trial in range(3):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        db, go = folder / "new.db", folder / "go"
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    GATED_CLI,
                    str(folder / f"ready{i}"),
                    str(go),
                    *ADD,
                    "--note",
                    f"start {i}",
                    "--db",
                    str(db),
                ],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(n)
        ]
        deadline = time.monotonic() + 120
        while len(list(folder.glob("ready*"))) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        results = [c.communicate(timeout=180) for c in children]
        for child, (_, err) in zip(children, results, strict=True):
            assert child.returncode == 0, f"trial {trial}: {err}"
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert con.execute("SELECT count(*) FROM entry").fetchone()[0] == n
            assert con.execute("SELECT sum(total) FROM tally").fetchone()[0] == n
            assert (
                con.execute("SELECT count(*) FROM setting WHERE key='device_id'").fetchone()[0] == 1
            )
        finally:
            con.close()


# ------------------------------------------------------------ opening writes nothing


def test_readers_work_while_another_program_writes(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.3, raising=False)
    assert cli(*ADD, "--note", "一件目")[0] == 0
    other = hold_write_lock(db_path)
    try:
        code, out, err = cli("log", "--fy", "2024")
        assert code == 0 and "1 件" in out, err
        code, out, err = cli("progress", "--fy", "2024", "--json")
        actual = {t["id"]: t["actual"] for t in json.loads(out)["targets"]}
        assert code == 0 and actual["awareness"] == 1, err
        code, out, err = cli("report", "--fy", "2024")
        assert code == 0 and out, err
        assert cli("settings")[0] == 0  # shows the settings: a read too
        # a writer waits, then says who is in the way and what to do: exit 2, never 1
        code, _, err = cli(*ADD)
        assert code == 2, err
        assert "別のプログラム" in err and "もう一度" in err and "Traceback" not in err
    finally:
        other.rollback()
        other.close()
    assert cli(*ADD)[0] == 0  # and works once the other program is done


def test_opening_does_not_write_the_device_id(cli: CLI, db_path: Path) -> None:
    assert cli(*ADD)[0] == 0
    con = sqlite3.connect(db_path)
    device = con.execute("SELECT value FROM setting WHERE key='device_id'").fetchone()[0]
    con.execute("DELETE FROM setting WHERE key='device_id'")
    con.commit()
    con.close()
    before = table_dump(db_path)
    for argv in (("log",), ("progress",), ("report",), ("settings",)):
        assert cli(*argv)[0] == 0
    assert table_dump(db_path) == before  # opening and reading wrote nothing
    uuid = cli.json(*ADD)["uuid"]  # the first save names the device
    con = sqlite3.connect(db_path)
    new = con.execute("SELECT value FROM setting WHERE key='device_id'").fetchone()[0]
    assert con.execute("SELECT device_id FROM entry WHERE uuid=?", (uuid,)).fetchone()[0] == new
    assert new != device and len(new) == 36
    con.close()


def test_a_save_that_waits_too_long_is_a_store_error(store, catalog: PlanCatalog) -> None:
    store.timeout = 0.2  # seconds, on this open connection
    draft = entries.EntryDraft(targets=("awareness",), date=dt.date(2024, 5, 1), area=1)
    other = hold_write_lock(Path(store.database))
    try:
        with pytest.raises(StoreError, match="別のプログラム"):
            entries.log_entry(catalog, draft)
    finally:
        other.rollback()
        other.close()
    assert entries.log_entry(catalog, draft).entry.count == 1


def test_an_upgrade_that_waits_too_long_is_exit_2(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.3, raising=False)
    path = tmp_path / "v1.db"
    make_v1_store(path)
    other = hold_write_lock(path)
    try:
        code, _, err = cli("log", "--db", str(path))
        assert code == 2 and "別のプログラム" in err, err
    finally:
        other.rollback()
        other.close()
    assert cli("log", "--db", str(path))[0] == 0
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_switching_a_store_to_wal_while_another_program_writes_is_exit_2(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.3, raising=False)
    assert cli(*ADD, "--db", str(tmp_path / "a.db"))[0] == 0
    copy = tmp_path / "copy.db"  # a backup is one self-contained file, not in WAL mode
    assert cli("backup", str(copy), "--db", str(tmp_path / "a.db"))[0] == 0
    other = hold_write_lock(copy)
    try:
        code, _, err = cli(*ADD, "--db", str(copy))
        assert code == 2 and "別のプログラム" in err, err
        code, out, err = cli("log", "--fy", "2024", "--db", str(copy))  # reading still works
        assert code == 0 and "1 件" in out, err
    finally:
        other.rollback()
        other.close()
    assert cli(*ADD, "--db", str(copy))[0] == 0


async def test_the_app_opens_and_shows_figures_while_another_program_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chofu_tui.app import make_app
    from tests.tui.conftest import TODAY, make_ctx, row, seed, settle, text_of

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.3, raising=False)
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    monkeypatch.setenv("CHOFU_TUI_PLAN_DIR", str(tmp_path / "plans"))
    monkeypatch.delenv("CHOFU_TUI_BENCH_EXIT", raising=False)
    ctx = make_ctx(tmp_path)
    seed(ctx)
    ctx.close()
    other = hold_write_lock(tmp_path / "chofu.db")
    try:
        app = make_app(db_path=tmp_path / "chofu.db")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "3 / 800 回" in row(app, "awareness")
            await pilot.press("n", "a", "w", "enter", "ctrl+s")  # a save must wait: it says why
            await settle(pilot)
            assert "別のプログラム" in text_of(app, "#error")
        app.ctx.close()
    finally:
        other.rollback()
        other.close()


# ------------------------------------------------------------ foreign files


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_foreign_database_claiming_our_version_is_left_byte_for_byte(
    cli: CLI, tmp_path: Path, version: int, journal: str
) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = folder / "invoices.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA journal_mode = {journal}")
    con.execute("CREATE TABLE invoices (n INTEGER, amount INTEGER)")
    con.execute("INSERT INTO invoices VALUES (1, 1000)")
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()
    before = listing(folder)
    for argv in (("log",), ("progress",), (*ADD,), ("settings", "--area", "1"), ("backup",
                 str(tmp_path / "b.db"))):  # fmt: skip
        code, _, err = cli(*argv, "--db", str(path))
        assert code == 2, (argv, err)
        assert "chofu-tui のデータベースではありません" in err, err
    assert listing(folder) == before  # not one byte changed, no -wal or -shm appeared


# ------------------------------------------------------------ typed paths


def test_a_typed_path_needs_an_existing_folder(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = tmp_path / "a" / "b" / "c" / "new.db"
    code, _, err = cli(*ADD, "--db", str(typo))
    assert code == 2 and f"フォルダー {typo.parent} がありません" in err, err
    monkeypatch.setenv("CHOFU_TUI_DB", str(typo))
    code, _, err = cli("log")
    assert code == 2 and str(typo.parent) in err
    assert not (tmp_path / "a").exists()  # nothing created


def test_the_default_data_folder_is_created(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHOFU_TUI_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert cli(*ADD)[0] == 0
    assert (tmp_path / "xdg" / "chofu-tui" / "chofu.db").is_file()
    assert oct((tmp_path / "xdg" / "chofu-tui").stat().st_mode & 0o777) == "0o700"


# ------------------------------------------------------------ as an unprivileged user

NOBODY = 65534
# Used when `nobody` cannot run this Python (it lives under a private home, as in CI): start
# as root, import what the commands need, then drop to nobody before doing anything.
DROP_TO_NOBODY = f"""
import importlib, os, sys, _strptime
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import loader
for name in ("chofu_tui.cli", "chofu_tui.context", "chofu_tui.textfmt", *(
    f"chofu_tui.services.{{m}}" for m in ("entries", "progress", "report", "report.text",
    "report.output", "report.save", "merge", "settings", "organisations"))):
    importlib.import_module(name)
for plan in sorted(bundled_plan_dir().glob("plan-*.toml")):
    loader._parse(plan.read_bytes(), plan)  # imports what validating a plan needs
os.setgroups([])
os.setgid({NOBODY})
os.setuid({NOBODY})
from chofu_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _nobody_command() -> list[str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("permission cases run as root, switching to the unprivileged user nobody")
    runuser = shutil.which("runuser")
    if runuser:
        probe = [runuser, "-u", "nobody", "--", sys.executable, "-c", "import chofu_tui"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if subprocess.run(probe, env=env, capture_output=True, cwd="/").returncode == 0:
            return [runuser, "-u", "nobody", "--", sys.executable, "-m", "chofu_tui"]
    return [sys.executable, "-c", DROP_TO_NOBODY]


class Nobody:
    """Runs the command line as nobody in a folder of nobody's (not under tmp_path, which
    nobody cannot enter)."""

    def __init__(self, command: list[str], folder: Path) -> None:
        self.command, self.folder = command, folder

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        env = child_env(self.folder)
        env["HOME"] = str(self.folder / "home")
        env.pop("XDG_DATA_HOME", None)  # nobody's own data folder (automatic backups go there)
        done = subprocess.run(
            [*self.command, *argv],
            env=env, cwd=self.folder / "home", capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return done.returncode, done.stdout, done.stderr

    def store(self, name: str = "s.db") -> Path:
        """A store of nobody's with one entry, in nobody's folder `data`."""
        path = self.folder / "data" / name
        if not path.parent.exists():
            path.parent.mkdir()
            os.chown(path.parent, NOBODY, NOBODY)
        code, _, err = self(*ADD, "--note", "読める記録", "--db", str(path))
        assert code == 0, err
        return path

    def assert_readable(self, store: Path) -> None:
        code, out, err = self("log", "--fy", "2024", "--db", str(store))
        assert code == 0 and "1 件" in out, err
        code, out, err = self("progress", "--fy", "2024", "--db", str(store))
        assert code == 0 and "awareness" in out, err
        code, out, err = self("report", "--fy", "2024", "--db", str(store))
        assert code == 0 and out, err


@pytest.fixture
def nobody() -> Iterator[Nobody]:
    command = _nobody_command()
    folder = Path(tempfile.mkdtemp(prefix="chofu-edge-store-"))
    for sub in ("plans", "cache", "home"):
        (folder / sub).mkdir()
    for p in (folder, *folder.iterdir()):
        os.chown(p, NOBODY, NOBODY)
    os.chmod(folder, 0o755)
    try:
        yield Nobody(command, folder)
    finally:
        for p in folder.rglob("*"):
            if p.is_dir():
                p.chmod(0o700)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_store_in_a_read_only_folder_can_be_read(nobody: Nobody) -> None:
    store = nobody.store()
    store.parent.chmod(0o555)
    before = listing(store.parent)
    nobody.assert_readable(store)
    code, _, err = nobody(*ADD, "--db", str(store))
    assert code == 2 and "書き込めません" in err and "権限" in err, err
    assert "壊れている" not in err
    assert listing(store.parent) == before


def test_a_read_only_store_file_can_be_read(nobody: Nobody) -> None:
    store = nobody.store()
    store.chmod(0o400)
    before = table_dump(store)
    nobody.assert_readable(store)
    code, _, err = nobody(*ADD, "--db", str(store))
    assert code == 2 and "読み取り専用" in err, err
    assert table_dump(store) == before


def test_an_unreadable_store_is_reported_as_such(nobody: Nobody) -> None:
    store = nobody.store()
    os.chown(store, 0, 0)  # root's own store, mode 0600
    code, _, err = nobody("log", "--db", str(store))
    assert code == 2 and "読む権限がありません" in err and "壊れている" not in err, err


def test_a_new_store_in_a_read_only_folder_is_reported(nobody: Nobody) -> None:
    folder = nobody.folder / "locked"
    folder.mkdir()
    os.chown(folder, NOBODY, NOBODY)
    folder.chmod(0o555)
    code, _, err = nobody(*ADD, "--db", str(folder / "new.db"))
    assert code == 2 and "書き込む権限がありません" in err, err
    assert not list(folder.iterdir())


def test_merge_reads_a_source_on_read_only_media(nobody: Nobody) -> None:
    source = nobody.store("laptop.db")
    media = nobody.folder / "usb"  # root's folder: nobody may read it, not write it
    media.mkdir(mode=0o755)
    shutil.copyfile(source, media / "laptop.db")  # a plain copy, still in WAL mode
    (media / "laptop.db").chmod(0o644)
    before = listing(media)
    mine = nobody.store("mine.db")
    code, out, err = nobody("merge", str(media / "laptop.db"), "--db", str(mine))
    assert code == 0 and "新規 1 件" in out, err
    assert listing(media) == before


# ------------------------------------------------------------ merge sources


def test_merging_a_plain_copy_writes_nothing_beside_it(cli: CLI, tmp_path: Path) -> None:
    laptop, mine = tmp_path / "laptop.db", tmp_path / "mine.db"
    assert cli(*ADD, "--db", str(laptop))[0] == 0
    usb = tmp_path / "usb"
    usb.mkdir()
    shutil.copyfile(laptop, usb / "laptop.db")  # `cp`, not `chofu-tui backup`: still WAL mode
    before = listing(usb)
    code, out, err = cli("merge", str(usb / "laptop.db"), "--db", str(mine))
    assert code == 0 and "新規 1 件" in out, err
    assert listing(usb) == before  # no -wal, no -shm, not one byte changed


def test_merging_a_copy_with_its_wal_reads_the_wal_and_writes_nothing_beside_it(
    cli: CLI, tmp_path: Path
) -> None:
    laptop, mine = tmp_path / "laptop.db", tmp_path / "mine.db"
    uuid = cli.json(*ADD, "--db", str(laptop))["uuid"]
    live = sqlite3.connect(laptop)  # the laptop's program, still running: saves in -wal
    live.execute("PRAGMA wal_autocheckpoint = 0")
    # (a v5 store's saves are its changes: a merge reads the change log)
    live.execute("UPDATE change SET state = json_set(state, '$.note', 'まだ -wal の中')"
                 " WHERE record = ?", (uuid,))  # fmt: skip
    live.commit()
    usb = tmp_path / "usb"
    usb.mkdir()
    shutil.copyfile(laptop, usb / "laptop.db")
    shutil.copyfile(f"{laptop}-wal", usb / "laptop.db-wal")
    live.close()
    assert (usb / "laptop.db-wal").stat().st_size
    before = listing(usb)
    code, _, err = cli("merge", str(usb / "laptop.db"), "--db", str(mine))
    assert code == 0, err
    assert listing(usb) == before
    notes = [e["note"] for e in cli.json("log", "--fy", "2024", "--db", str(mine))["entries"]]
    assert notes == ["まだ -wal の中"]


# ------------------------------------------------------------ the plan cache

PROBE = (
    "import sys; from pathlib import Path; from chofu_tui.plan import load_plan_file; "
    "plan = load_plan_file(Path(sys.argv[1])); "
    "print(plan.target('awareness').target, 'pydantic' in sys.modules, 'tomllib' in sys.modules)"
)


def probe(plan: Path, tmp: Path) -> str:
    run = subprocess.run([sys.executable, "-c", PROBE, str(plan)], env=child_env(tmp),
                         cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return run.stdout.strip()


class _Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_pickle_in_the_cache_never_runs(tmp_path: Path) -> None:
    plan = bundled_plan_dir() / "plan-2024.toml"
    marker = tmp_path / "pwned"
    folder = tmp_path / "cache" / "plans"
    folder.mkdir(parents=True)
    key = cache._key(plan.read_bytes())
    for name in (f"{key}.pickle", f"{key}.json"):
        (folder / name).write_bytes(pickle.dumps(_Planted(marker)))
    env = child_env(tmp_path)
    done = subprocess.run([sys.executable, "-m", "chofu_tui", "targets", "--fy", "2024"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "awareness" in done.stdout, done.stderr
    assert not marker.exists()
    # the bad file was replaced by a good one, which the next start uses
    assert json.loads((folder / f"{key}.json").read_bytes())["format"] == cache.FORMAT
    assert probe(plan, tmp_path) == "800 False False"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: {**d, "version": 99},
        lambda d: {**d, "format": "something else"},
        lambda d: {**d, "key": "0" * 32},
        lambda d: {k: v for k, v in d.items() if k != "plan"},
        lambda d: {**d, "plan": {**d["plan"], "fiscal_year": "2024"}},
        lambda d: {**d, "plan": {**d["plan"], "extra": 1}},
        lambda d: {**d, "plan": {k: v for k, v in d["plan"].items() if k != "areas"}},
        lambda d: {**d, "plan": {**d["plan"], "areas": [{"no": True, "name": "x"}]}},
        lambda d: {**d, "plan": {**d["plan"], "areas": [{"no": 1, "name": "a"}] * 2}},
        lambda d: [d],
    ],
)
def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(tmp_path: Path, damage) -> None:
    plan = tmp_path / "plan-2024.toml"
    plan.write_bytes((bundled_plan_dir() / "plan-2024.toml").read_bytes())
    assert probe(plan, tmp_path) == "800 True True"  # validated, then cached
    (cached,) = (tmp_path / "cache" / "plans").iterdir()
    assert oct(cached.stat().st_mode & 0o777) == "0o600"
    cached.write_text(json.dumps(damage(json.loads(cached.read_bytes()))), encoding="utf-8")
    assert probe(plan, tmp_path) == "800 True True"  # not trusted: validated again
    assert probe(plan, tmp_path) == "800 False False"  # and the cache made good


def test_every_bundled_plan_survives_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_CACHE_DIR", str(tmp_path / "cache"))
    for path in sorted(bundled_plan_dir().glob("plan-*.toml")):
        validated = load_plan_file(path)
        key = cache._key(path.read_bytes())
        text = (tmp_path / "cache" / "plans" / f"{key}.json").read_bytes()
        assert cache.from_data(json.loads(text), key) == validated


def test_a_store_on_a_full_disk_says_the_disk_is_full(tmp_path: Path, monkeypatch) -> None:
    """SQLite only says "disk I/O error" when it cannot create its -shm on a full disk."""
    import shutil
    import sqlite3

    from chofu_tui.errors import StoreError
    from chofu_tui.store import db as store_db

    path = tmp_path / "s.db"
    store_db.open_sqlite(path).close()

    def no_room(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_db, "_connect", no_room)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 0))
    with pytest.raises(StoreError, match="容量"):
        store_db.open_sqlite(path)
