"""Encryption at rest (issue 14): an encrypted store holds no plaintext, a wrong or missing
passphrase changes nothing, encrypt/decrypt keep every entry, copies stay encrypted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chofu_tui.store import cipher, open_store
from chofu_tui.store.models import database
from tests.unit.conftest import CLI, file_digest, table_dump

PASSPHRASE = "correct horse battery"
NOTE = "ひだまりサロンで山田さんの介護の相談"
CASE = "C-0042"
WRONG = "パスフレーズが違います (またはファイルが壊れています)"


def _add(cli: CLI, note: str = NOTE, case: str = CASE) -> str:
    code, out, err = cli("add", "awareness", "--area", "2", "--case", case, "--note", note)
    assert code == 0, err
    return out.splitlines()[0]


def _log(cli: CLI) -> list[dict]:
    code, out, err = cli("log", "--deleted", "--json")
    assert code == 0, err
    return json.loads(out)["entries"]


def _plaintext_in(path: Path, *texts: str) -> list[str]:
    data = path.read_bytes()
    found = []
    for t in texts:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if t.encode(encoding) in data:
                found.append(f"{t} ({encoding}) in {path.name}")
    return found


@pytest.fixture
def encrypted(cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with one entry, encrypted through the command, the passphrase in the env."""
    _add(cli)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
    code, out, err = cli("encrypt")
    assert code == 0, err
    assert "暗号化しました" in out and "事務所" in err  # the lost-passphrase warning
    return db_path


def test_store_and_wal_hold_no_note_nor_case_code_while_a_writer_is_open(
    encrypted: Path, cli: CLI
) -> None:
    assert cipher.is_encrypted(encrypted)
    assert _plaintext_in(encrypted, NOTE, CASE, "awareness", "SQLite format 3") == []
    db = open_store(encrypted)  # a writer: WAL, like the app
    try:
        import datetime as dt

        from chofu_tui.plan import PlanCatalog
        from chofu_tui.services import entries

        entries.log_entry(
            PlanCatalog(),
            entries.EntryDraft(
                targets=("awareness",),
                date=dt.date(2024, 9, 30),
                area=1,
                case_code="C-7777",
                note="二件目のメモ 秘密",
            ),
        )
        wal = Path(f"{encrypted}-wal")
        assert wal.is_file() and wal.stat().st_size > 0  # the save sits in the -wal
        leaks = _plaintext_in(wal, "二件目のメモ", "C-7777", NOTE, CASE)
        leaks += _plaintext_in(encrypted, "二件目のメモ", "C-7777", NOTE, CASE)
        assert leaks == []
    finally:
        db.close()
    assert sorted(e["note"] for e in _log(cli)) == sorted([NOTE, "二件目のメモ 秘密"])


def test_a_wrong_passphrase_changes_nothing(
    encrypted: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = file_digest(encrypted)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, "not the passphrase")
    for argv in (("log",), ("add", "awareness", "--area", "1"), ("backup", "x.db"), ("decrypt",)):
        code, out, err = cli(*argv)
        assert code == 2, argv
        assert WRONG in err and out == "", argv
    assert file_digest(encrypted) == before
    for side in ("-wal", "-shm", "-journal"):
        assert not Path(f"{encrypted}{side}").exists()
    assert not Path("x.db").exists()


def test_sqlcipher_says_nothing_of_its_own_on_a_wrong_passphrase(encrypted: Path) -> None:
    env = {**os.environ, cipher.PASSPHRASE_ENV: "not the passphrase"}
    done = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "--db", str(encrypted), "log"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        line for line in done.stderr.strip().splitlines() if line.startswith("エラー")
    ], done.stderr  # no SQLCipher log line ("ERROR CORE ..." / hmac)
    assert WRONG in done.stderr


@pytest.mark.parametrize("argv", [("log",), ("add", "awareness", "--area", "1"), ("decrypt",)])
def test_no_terminal_and_no_passphrase_exits_at_once(encrypted: Path, argv: tuple) -> None:
    env = {k: v for k, v in os.environ.items() if k != cipher.PASSPHRASE_ENV}
    before = file_digest(encrypted)
    done = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "--db", str(encrypted), *argv],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
        start_new_session=True,  # no controlling terminal for getpass to fall back on
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert cipher.PASSPHRASE_ENV in done.stderr and "暗号化されています" in done.stderr
    assert file_digest(encrypted) == before


def test_encrypt_without_a_passphrase_and_no_terminal_exits_at_once(
    cli: CLI, db_path: Path
) -> None:
    _add(cli)
    before = table_dump(db_path)
    env = {k: v for k, v in os.environ.items() if k != cipher.PASSPHRASE_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "--db", str(db_path), "encrypt"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
        start_new_session=True,
    )  # fmt: skip
    assert done.returncode == 2 and cipher.PASSPHRASE_ENV in done.stderr
    assert not cipher.is_encrypted(db_path) and table_dump(db_path) == before


def test_encrypt_then_decrypt_keeps_every_entry(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        _add(cli, note=f"メモ {i} ' \" ;--", case=f"C-{i:04d}")
    code, _, err = cli("delete", _add(cli, note="消す記録")[:8])
    assert code == 0, err
    before = _log(cli)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, "パスフレーズ ' with quote")
    assert cli("encrypt")[0] == 0
    assert cipher.is_encrypted(db_path)
    assert _log(cli) == before
    code, out, err = cli("decrypt")
    assert code == 0, err
    assert "暗号化を解除しました" in out
    assert db_path.read_bytes()[:16] == b"SQLite format 3\x00"
    monkeypatch.delenv(cipher.PASSPHRASE_ENV)
    assert _log(cli) == before
    code, _, err = cli("decrypt")
    assert code == 2 and "暗号化されていません" in err


def test_encrypting_an_encrypted_store_is_refused(
    encrypted: Path, cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = file_digest(encrypted)
    code, _, err = cli("encrypt")
    assert code == 2 and "既に暗号化されています" in err
    assert file_digest(encrypted) == before


def test_a_short_passphrase_is_refused(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(cli)
    before = file_digest(db_path)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, "short")
    code, _, err = cli("encrypt")
    assert code == 2 and "短すぎます" in err
    assert file_digest(db_path) == before


def test_encrypt_is_refused_while_another_program_has_the_store_open(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(cli)
    # another process reading (the app keeps a read open while it shows the figures)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         "h = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "h.execute('BEGIN'); h.execute('SELECT count(*) FROM entry').fetchone()\n"
         "print('reading', flush=True); sys.stdin.read()", str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "reading"
        before = table_dump(db_path)
        monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
        code, _, err = cli("encrypt")
        assert code == 2 and "開いています" in err, err
    finally:
        holder.communicate("", timeout=30)
    assert not cipher.is_encrypted(db_path) and table_dump(db_path) == before


def test_a_failed_check_of_the_copy_leaves_the_original(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(cli)
    before = table_dump(db_path)
    real = cipher._counts
    calls = []

    def miscount(conn, schema="main"):
        calls.append(schema)
        counts = real(conn, schema)
        if len(calls) > 1:  # the copy's count: one row short
            counts["entry"] -= 1
        return counts

    monkeypatch.setattr(cipher, "_counts", miscount)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
    code, _, err = cli("encrypt")
    assert code == 2 and "元のまま" in err
    assert not cipher.is_encrypted(db_path) and table_dump(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["chofu.db"]  # no copy left


def test_a_file_size_limit_during_encrypt_leaves_the_original(cli: CLI, db_path: Path) -> None:
    for i in range(40):
        _add(cli, note=f"長いメモ {i} " + "あ" * 400)
    before = table_dump(db_path)
    size = db_path.stat().st_size
    code = (
        "import resource, sys; from chofu_tui.cli import main;"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({size // 2}, {size // 2}));"
        "sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", str(db_path), "encrypt"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={**os.environ, cipher.PASSPHRASE_ENV: PASSPHRASE},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    # the backup made first, or the encrypted copy, hits the limit: either way nothing changed
    assert "元のまま" in done.stderr or "書き込む前のまま" in done.stderr
    assert not cipher.is_encrypted(db_path) and table_dump(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["chofu.db"]


def test_a_killed_encrypt_leaves_a_store_that_opens_with_every_entry(
    cli: CLI, db_path: Path
) -> None:
    import random
    import signal
    import time

    for i in range(30):
        _add(cli, note=f"メモ {i}")
    before = _log(cli)
    env = {**os.environ, cipher.PASSPHRASE_ENV: PASSPHRASE}
    rng = random.Random(14)
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "chofu_tui", "--db", str(db_path), "encrypt"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if cipher.is_encrypted(db_path):
            os.environ[cipher.PASSPHRASE_ENV] = PASSPHRASE
            try:
                assert _log(cli) == before
                assert cli("decrypt")[0] == 0
            finally:
                del os.environ[cipher.PASSPHRASE_ENV]
        assert _log(cli) == before  # plain, with every entry


def test_backup_of_an_encrypted_store_is_encrypted_and_opens_with_the_passphrase(
    encrypted: Path, cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy.db"
    code, out, err = cli("backup", str(copy))
    assert code == 0, err
    assert cipher.is_encrypted(copy)
    assert _plaintext_in(copy, NOTE, CASE) == []
    code, out, err = cli("--db", str(copy), "log", "--deleted", "--json")
    assert code == 0, err
    assert [e["note"] for e in json.loads(out)["entries"]] == [NOTE]
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, "another passphrase")
    code, _, err = cli("--db", str(copy), "log")
    assert code == 2 and WRONG in err


def test_merge_reads_an_encrypted_source_with_its_own_passphrase(
    cli: CLI, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "laptop2.db"
    code, _, err = cli("--db", str(source), "add", "awareness", "--area", "3", "--note", "別の端末")
    assert code == 0, err
    cipher.encrypt_file(source, "the other laptop's passphrase")
    _add(cli)  # this store: plain
    before = table_dump(db_path)
    source_before = file_digest(source)

    code, _, err = cli("merge", str(source))  # no passphrase, no terminal (pytest's stdin)
    assert code == 2 and cipher.SOURCE_PASSPHRASE_ENV in err and str(source) in err
    monkeypatch.setenv(cipher.SOURCE_PASSPHRASE_ENV, "wrong passphrase")
    code, _, err = cli("merge", str(source))
    assert code == 2 and WRONG in err
    assert table_dump(db_path) == before

    monkeypatch.setenv(cipher.SOURCE_PASSPHRASE_ENV, "the other laptop's passphrase")
    code, out, err = cli("merge", str(source))
    assert code == 0, err
    assert "新規 1 件" in out
    assert sorted(e["note"] for e in _log(cli)) == sorted([NOTE, "別の端末"])
    assert file_digest(source) == source_before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("laptop2")) == [
        "laptop2.db"
    ]  # nothing written beside it


def test_key_derivation_is_sqlcipher_4_or_stronger(encrypted: Path) -> None:
    db = open_store(encrypted)
    try:
        conn = database.connection()
        assert int(conn.execute("PRAGMA kdf_iter").fetchone()[0]) >= 256_000
        assert conn.execute("PRAGMA cipher_kdf_algorithm").fetchone()[0] == "PBKDF2_HMAC_SHA512"
        assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == "HMAC_SHA512"
    finally:
        db.close()


def test_encrypt_and_decrypt_refuse_a_postgresql_store(cli: CLI) -> None:
    for command in ("encrypt", "decrypt"):
        code, _, err = cli("--db", "postgresql://chofu@server/chofu", command)
        assert code == 2 and "PostgreSQL" in err and "サーバー" in err


def test_a_plain_store_never_loads_sqlcipher(cli: CLI, db_path: Path) -> None:
    _add(cli)
    code = (
        "import sys; from chofu_tui.cli import main; main(['--db', sys.argv[1], 'log']);"
        "print('sqlcipher3' in sys.modules, 'playhouse.sqlcipher_ext' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr


def test_earlier_plain_backups_are_encrypted_too_or_removed(
    cli: CLI, db_path: Path, tmp_path: Path
) -> None:
    _add(cli)
    folder = tmp_path / "backups" / "chofu"
    folder.mkdir(parents=True)
    assert cli("backup", str(folder / "2024-10-01.db"))[0] == 0
    (folder / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (folder / "notes.txt").write_text("not a store")
    said = cipher.protect_backups(tmp_path / "backups", PASSPHRASE)
    assert len(said) == 2 and any("削除しました" in s for s in said)
    assert cipher.is_encrypted(folder / "2024-10-01.db")
    assert _plaintext_in(folder / "2024-10-01.db", NOTE, CASE) == []
    assert not (folder / "broken.db").exists()
    assert (folder / "notes.txt").read_text() == "not a store"
    con = cipher.connect_file(folder / "2024-10-01.db", PASSPHRASE)
    try:
        assert con.execute("SELECT note FROM entry").fetchall() == [(NOTE,)]
    finally:
        con.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_FSIZE needs POSIX")
def test_a_file_size_limit_on_an_encrypted_store_says_so(encrypted: Path) -> None:
    """SQLCipher's driver raises its own errors, without SQLite's extended codes: a save
    under a file-size limit is still named as such (exit 2), nothing changed."""
    import resource

    holder = cipher.connect_file(encrypted, PASSPHRASE)  # -wal and -shm exist, as with the app
    holder.execute("SELECT count(*) FROM entry").fetchone()
    try:
        before = file_digest(encrypted)
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from chofu_tui.cli import main; sys.exit(main())",
             "--db", str(encrypted), "add", "awareness", "--area", "2", "--note", "新しい記録"],
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1)),
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        holder.close()
    assert done.returncode == 2, done.stderr
    assert "ファイルサイズの上限" in done.stderr and "予期しない" not in done.stderr
    assert file_digest(encrypted) == before


def test_other_threads_and_copies_use_the_key_derived_once(
    encrypted: Path, cli: CLI, tmp_path: Path
) -> None:
    """A command connects once (SQLCipher derives the key); a second connection (the app's
    worker threads) starts deriving the raw key in the background, and every later connection
    and a backup's copy use it as is."""
    import threading
    import time

    from chofu_tui.services.backups import backup_store
    from chofu_tui.store.models import Entry

    def count_in_a_thread() -> list[int]:
        counted: list[int] = []
        worker = threading.Thread(target=lambda: counted.append(Entry.select().count()))
        worker.start()
        worker.join(timeout=60)
        return counted

    salt = encrypted.read_bytes()[:16]
    db = open_store(encrypted)
    try:
        assert (PASSPHRASE, salt) not in cipher._derived  # one connection: no raw key made
        assert count_in_a_thread() == [1]  # a second connection, keyed with the passphrase
        deadline = time.monotonic() + 60
        while (PASSPHRASE, salt) not in cipher._derived and time.monotonic() < deadline:
            time.sleep(0.05)
        raw = cipher._derived[(PASSPHRASE, salt)]
        assert cipher.open_key() == raw
        assert count_in_a_thread() == [1]  # a third, keyed with the raw key
        copy = backup_store(tmp_path / "copy.db")
    finally:
        db.close()
    assert copy.read_bytes()[:16] == salt  # the copy shares the salt: same passphrase opens it
    con = cipher.connect_file(copy, PASSPHRASE)
    try:
        assert con.execute("SELECT note FROM entry").fetchall() == [(NOTE,)]
    finally:
        con.close()


def test_a_killed_decrypts_plain_leftover_is_removed_when_the_store_opens(
    encrypted: Path, cli: CLI
) -> None:
    leftover = encrypted.with_name(f".{encrypted.name}.0badc0de.chofu-tmp")
    leftover.write_bytes(b"SQLite format 3\x00" + NOTE.encode() * 50)  # part of a plain copy
    code, _, err = cli("log")
    assert code == 0, err
    assert not leftover.exists()


def test_a_damaged_encrypted_source_is_a_clear_refusal(
    cli: CLI, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "laptop2.db"
    for i in range(30):
        code, _, err = cli("--db", str(source), "add", "awareness", "--area", "3", "--note", f"{i}")
        assert code == 0, err
    cipher.encrypt_file(source, "the other laptop's passphrase")
    with source.open("r+b") as f:  # cut off: the schema reads, the tables do not
        f.truncate(4096 * 4)
    _add(cli)
    before = table_dump(db_path)
    monkeypatch.setenv(cipher.SOURCE_PASSPHRASE_ENV, "the other laptop's passphrase")
    code, _, err = cli("merge", str(source))
    assert code == 2, err
    assert "予期しない" not in err and str(source) in err
    assert table_dump(db_path) == before
